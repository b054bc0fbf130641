"""Reading CloudTrail for the usage report: ours against trailscraper and against the floor, in one run.

    make bench      (or: PYTHONPATH=.:.collections .venv/bin/python -m bench.usage [--size 100] [--sizes 100,1024])

A synthetic trail is written into a temporary folder (deleted at the end) in AWS's layout,
``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz``,
``--size`` MB of ``.json.gz`` (default 100; ``--sizes 100,1024`` for the 100 MB and 1 GB figures): 100 applications
(a task role and an execution role each) beside IAM users, other roles and AWS services; management events and data
events (S3 objects, DynamoDB items, SQS, SNS, Lambda, Kinesis); about 3% errors, most of them AccessDenied with
AWS's message. Random ids, times, addresses and keys in every record, so gzip compresses it about as much as a real
trail.

Three commands, each a new process, alternated ``--repeat`` times (default 5) over the same files:

* ours: ``_usage_trail.read_trail`` (the reader and aggregation of ``playbooks/usage.yml``) for every
  application's roles at once, with its pool of processes (up to the machine's cores);
* trailscraper (PyPI, 0.10.0): ``trailscraper select --log-dir DIR --filter-assumed-role-arn ROLE --from ... --to ...
  | trailscraper generate`` for one role. trailscraper pins boto3 1.38, which conflicts with the collection's
  toolchain, so it is installed into a throwaway virtual environment inside the temporary folder (or give
  ``--trailscraper PATH``; ``--no-trailscraper`` skips it);
* the floor: gunzip and ``json.loads`` of every file in one process, nothing else.

Printed: the medians and spread (min-max) in seconds, ours against each baseline (ratio of medians), our throughput
(MB of .json.gz, and of JSON, per second per core used), and the peak resident memory of each command (the sum
over the process and its children, sampled every 50 ms). The goals (issue 20): trailscraper / ours >= 10, peak
memory of ours the same within 50 MB at 100 MB and at 1 GB.
"""

import argparse
import datetime
import gzip
import json
import os
import pathlib
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from bench.fleet import PeakMemory

REPO = pathlib.Path(__file__).resolve().parents[1]
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
ENV = "staging"
APPS = 100
END = datetime.datetime(2026, 11, 30, 23, 55, tzinfo=datetime.timezone.utc)
DAYS = 30
REGIONS = ("eu-west-1", "us-east-1")

OURS = r"""
import datetime, json, sys, time
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._usage_trail import read_trail
job = json.load(open(sys.argv[1]))
start = datetime.datetime.fromisoformat(job["start"])
end = datetime.datetime.fromisoformat(job["end"])
total = read_trail(job["dir"], [job["account"]], job["roles"], start, end)
print(json.dumps({"read": total["records"]["read"], "of_applications": total["records"]["of_applications"],
                  "rows": len(total["rows"]), "files": total["files"]["opened"]}))
"""

FLOOR = r"""
import gzip, json, os, sys
records = 0
for folder, _dirs, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".json.gz"):
            with open(os.path.join(folder, name), "rb") as handle:
                records += len(json.loads(gzip.decompress(handle.read()))["Records"])
print(json.dumps({"read": records}))
"""


# ------------------------------------------------------------------------------------------------ the trail

def role_arn(app, kind):
    return "arn:aws:iam::%s:role/%s-app%03d-%s-role" % (ACCOUNT, ENV, app, kind)


def _identity(kind, name, account=ACCOUNT):
    """A userIdentity block; the session, key and times are filled per record."""
    if kind == "role":
        return {"type": "AssumedRole", "principalId": "AROA%s:@@S@@" % name.upper()[:16].replace("-", "X"),
                "arn": "arn:aws:sts::%s:assumed-role/%s/@@S@@" % (account, name), "accountId": account, "accessKeyId": "@@K@@",
                "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA%s" % name.upper()[:16].replace("-", "X"),
                                                     "arn": "arn:aws:iam::%s:role/%s" % (account, name), "accountId": account,
                                                     "userName": name},
                                   "webIdFederationData": {}, "attributes": {"creationDate": "@@T@@", "mfaAuthenticated": "false"}}}
    if kind == "user":
        return {"type": "IAMUser", "principalId": "AIDA%s" % name.upper()[:16], "arn": "arn:aws:iam::%s:user/%s" % (account, name),
                "accountId": account, "accessKeyId": "@@K@@", "userName": name}
    return {"type": "AWSService", "invokedBy": name}


def _record(identity, source, event, region, params=None, resources=None, data=False, error=None, read_only=True):
    found = {
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": "@@T@@", "eventSource": source, "eventName": event,
        "awsRegion": region, "sourceIPAddress": "@@I@@", "userAgent": "aws-sdk-java/2.25.60 Linux/5.10 OpenJDK_64-Bit_Server_VM",
        "requestParameters": params, "responseElements": None, "requestID": "@@R@@", "eventID": "@@E@@", "readOnly": read_only,
        "eventType": "AwsApiCall", "managementEvent": not data, "recipientAccountId": ACCOUNT,
        "eventCategory": "Data" if data else "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": "%s.%s.amazonaws.com" % (source.split(".")[0], region)},
    }
    if resources is not None:
        found["resources"] = resources
    if error:
        found["errorCode"], found["errorMessage"] = error
    return found


def _app_calls(app, region):
    """(weight, record) for what an application's task and execution roles do."""
    task, execution = "%s-app%03d-task-role" % (ENV, app), "%s-app%03d-execution-role" % (ENV, app)
    who, boot = _identity("role", task), _identity("role", execution)
    bucket, table = "%s-app%03d-uploads" % (ENV, app), "arn:aws:dynamodb:%s:%s:table/%s-app%03d-orders" % (region, ACCOUNT, ENV, app)
    queue = "https://sqs.%s.amazonaws.com/%s/%s-app%03d-jobs" % (region, ACCOUNT, ENV, app)
    queue_arn = "arn:aws:sqs:%s:%s:%s-app%03d-jobs" % (region, ACCOUNT, ENV, app)
    obj = [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::%s/in/@@O@@.csv" % bucket},
           {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::%s" % bucket}]
    denied = ("AccessDenied", "User: arn:aws:sts::%s:assumed-role/%s/@@S@@ is not authorized to perform: s3:DeleteObject on resource:"
              " \"arn:aws:s3:::%s/in/x.csv\" because no identity-based policy allows the s3:DeleteObject action" % (ACCOUNT, task, bucket))
    return [
        (12, _record(who, "s3.amazonaws.com", "GetObject", region, {"bucketName": bucket, "key": "in/@@O@@.csv", "Host": bucket}, obj, True)),
        (6, _record(who, "s3.amazonaws.com", "PutObject", region, {"bucketName": bucket, "key": "in/@@O@@.csv"}, obj, True, read_only=False)),
        (10, _record(who, "dynamodb.amazonaws.com", "GetItem", region, {"tableName": table.rsplit("/", 1)[1], "key": {"id": "HIDDEN_DUE_TO_SECURITY_REASONS"}},
                     [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": table}], True)),
        (5, _record(who, "dynamodb.amazonaws.com", "PutItem", region, {"tableName": table.rsplit("/", 1)[1]},
                    [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": table}], True, read_only=False)),
        (8, _record(who, "sqs.amazonaws.com", "ReceiveMessage", region, {"queueUrl": queue, "maxNumberOfMessages": 10},
                    [{"accountId": ACCOUNT, "type": "AWS::SQS::Queue", "ARN": queue_arn}], True)),
        (4, _record(who, "sqs.amazonaws.com", "DeleteMessage", region, {"queueUrl": queue, "receiptHandle": "HIDDEN"},
                    [{"accountId": ACCOUNT, "type": "AWS::SQS::Queue", "ARN": queue_arn}], True, read_only=False)),
        (3, _record(who, "sns.amazonaws.com", "Publish", region, {"topicArn": "arn:aws:sns:%s:%s:%s-app%03d-events" % (region, ACCOUNT, ENV, app)},
                    None, True, read_only=False)),
        (2, _record(who, "lambda.amazonaws.com", "Invoke", region, {"functionName": "%s-thumbnailer" % ENV},
                    [{"accountId": ACCOUNT, "type": "AWS::Lambda::Function",
                      "ARN": "arn:aws:lambda:%s:%s:function:%s-thumbnailer" % (region, ACCOUNT, ENV)}], True, read_only=False)),
        (2, _record(who, "kinesis.amazonaws.com", "PutRecord", region, {"streamName": "%s-clicks" % ENV, "partitionKey": "@@O@@"}, None, True,
                    read_only=False)),
        (4, _record(who, "secretsmanager.amazonaws.com", "GetSecretValue", region, {"secretId": "%s/app%03d/api-key" % (ENV, app)})),
        (3, _record(who, "ssm.amazonaws.com", "GetParameter", region, {"name": "/%s/app%03d/url" % (ENV, app), "withDecryption": True})),
        (3, _record(who, "kms.amazonaws.com", "Decrypt", region, {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
                    [{"accountId": ACCOUNT, "type": "AWS::KMS::Key",
                      "ARN": "arn:aws:kms:%s:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % (region, ACCOUNT)}])),
        (1, _record(who, "s3.amazonaws.com", "DeleteObject", region, {"bucketName": bucket, "key": "in/x.csv"}, obj, True, denied, False)),
        (2, _record(boot, "ecr.amazonaws.com", "GetAuthorizationToken", region, {"registryIds": [ACCOUNT]})),
        (2, _record(boot, "ecr.amazonaws.com", "BatchGetImage", region,
                    {"registryId": ACCOUNT, "repositoryName": "cerpac/app%03d" % app, "imageIds": [{"imageTag": "latest"}]})),
        (2, _record(boot, "logs.amazonaws.com", "CreateLogStream", region, {"logGroupName": "/ecs/%s/app%03d" % (ENV, app), "logStreamName": "@@O@@"},
                    read_only=False)),
        (1, _record(boot, "secretsmanager.amazonaws.com", "GetSecretValue", region, {"secretId": "%s/app%03d/db" % (ENV, app)})),
    ]


def _other_calls(index, region):
    user = _identity("user", "dev%02d" % (index % 20))
    other = _identity("role", "ci-deployer-%02d" % (index % 50))
    service = _identity("service", "ecs-tasks.amazonaws.com")
    throttled = ("ThrottlingException", "Rate exceeded")
    return [
        (10, _record(user, "ec2.amazonaws.com", "DescribeInstances", region, {"instancesSet": {}, "filterSet": {}})),
        (8, _record(other, "cloudformation.amazonaws.com", "DescribeStacks", region, {"stackName": "stack-@@O@@"})),
        (10, _record(service, "sts.amazonaws.com", "AssumeRole", region, {"roleArn": role_arn(index % APPS, "task"), "roleSessionName": "@@S@@"},
                     [{"ARN": role_arn(index % APPS, "task"), "accountId": ACCOUNT, "type": "AWS::IAM::Role"}])),
        (6, _record(other, "monitoring.amazonaws.com", "PutMetricData", region, {"namespace": "App"}, read_only=False)),
        (6, _record(other, "s3.amazonaws.com", "GetObject", region, {"bucketName": "ci-artifacts", "key": "@@O@@"},
                    [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::ci-artifacts/@@O@@"}], True)),
        (4, _record(user, "iam.amazonaws.com", "GetRole", "us-east-1", {"roleName": "%s-app%03d-task-role" % (ENV, index % APPS)})),
        (3, _record(other, "kms.amazonaws.com", "GenerateDataKey", region, {"keySpec": "AES_256"})),
        (2, _record(user, "ec2.amazonaws.com", "RunInstances", region, {"instanceType": "t3.micro"}, None, False,
                    ("Client.UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: x"),
                    False)),
        (1, _record(other, "dynamodb.amazonaws.com", "DescribeTable", region, {"tableName": "x"}, None, False, throttled)),
    ]


def _template(item):
    return json.dumps(item, separators=(", ", ": ")).replace("%", "%%").replace("@@T@@", "%(t)s").replace("@@S@@", "%(s)s").replace(
        "@@K@@", "%(k)s").replace("@@I@@", "%(i)s").replace("@@R@@", "%(r)s").replace("@@E@@", "%(e)s").replace("@@O@@", "%(o)s")


def templates():
    """Weighted record templates: about 40% application records, 60% other principals."""
    found = []
    for region in REGIONS:
        for app in range(APPS):
            found.extend((weight, _template(item)) for weight, item in _app_calls(app, region))
        for index in range(60):
            found.extend((weight * 3, _template(item)) for weight, item in _other_calls(index, region))
    return [text for weight, text in found for _n in range(weight)]


def write_trail(root, size_mb, seed=20261130):
    """Write ``size_mb`` MB of .json.gz in AWS's layout under ``root``; return counts and the window."""
    rng = random.Random(seed)
    pool = templates()
    target = size_mb * 1024 * 1024
    written = json_bytes = records = files = 0
    start = END - datetime.timedelta(days=DAYS)
    # Spread the files over the window: one file per slot, region in turn.
    estimated_files = max(1, int(target / 160000))
    step = datetime.timedelta(days=DAYS) / estimated_files
    moment = start + datetime.timedelta(minutes=5)
    hexdigits = "0123456789abcdef"
    while written < target:
        region = REGIONS[files % len(REGIONS)]
        stamp = moment.strftime("%Y%m%dT%H%MZ")
        folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / moment.strftime("%Y/%m/%d")
        folder.mkdir(parents=True, exist_ok=True)
        name = "%s_CloudTrail_%s_%s_%s.json.gz" % (ACCOUNT, region, stamp, "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _n in range(16)))
        parts = []
        for _n in range(rng.randint(600, 1400)):
            when = (moment - datetime.timedelta(seconds=rng.randint(30, 290))).strftime("%Y-%m-%dT%H:%M:%SZ")
            parts.append(rng.choice(pool) % {
                "t": when, "s": "".join(rng.choice(hexdigits) for _n in range(32)),
                "k": "ASIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _n in range(16)),
                "i": "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)), "r": str(uuid.UUID(int=rng.getrandbits(128))),
                "e": str(uuid.UUID(int=rng.getrandbits(128))), "o": "%08x" % rng.getrandbits(32)})
        data = ('{"Records": [' + ", ".join(parts) + "]}").encode("utf-8")
        packed = gzip.compress(data, compresslevel=6)
        (folder / name).write_bytes(packed)
        written += len(packed)
        json_bytes += len(data)
        records += len(parts)
        files += 1
        moment = min(moment + step, END)
    return {"files": files, "gz_bytes": written, "json_bytes": json_bytes, "records": records, "start": start, "end": END}


# ------------------------------------------------------------------------------------------------ the commands

def trailscraper_bin(tmp, given):
    """The trailscraper command: given, on PATH, or installed into a throwaway venv under ``tmp``."""
    if given:
        return given
    found = shutil.which("trailscraper")
    if found:
        return found
    venv = tmp / "trailscraper-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "trailscraper==0.10.0"], capture_output=True, text=True, check=False)
    if install.returncode != 0:
        print("trailscraper could not be installed (%s); measuring without it" % install.stderr.strip()[-300:])
        return None
    return str(venv / "bin" / "trailscraper")


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, env, shell=False):
    """(wall seconds, CPU seconds, peak kB of the process tree, stdout) of one new process.

    The CPU time is that of the process and every descendant it waited for (the pool's workers, both sides of the
    trailscraper pipe): unlike the wall time it does not depend on what else the machine runs.
    """
    marker = uuid.uuid4().hex
    with PeakMemory(marker) as memory:
        cpu = _cpu()
        start = time.perf_counter()
        proc = subprocess.run(command, env=dict(env, BENCH_RUN=marker), capture_output=True, text=True, check=False, shell=shell)
        seconds = time.perf_counter() - start
        cpu = _cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit("%s failed (exit %d):\n%s" % (command if shell else " ".join(command), proc.returncode, proc.stderr[-3000:]))
    return seconds, cpu, memory.peak, proc.stdout


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def measure(size_mb, repeat, tool, only=None):
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-usage-"))
    try:
        began = time.perf_counter()
        trail = write_trail(tmp / "trail", size_mb)
        print("\ntrail: %d files, %.0f MB .json.gz (%.0f MB of JSON), %d records, written in %.0f s" % (
            trail["files"], trail["gz_bytes"] / 1e6, trail["json_bytes"] / 1e6, trail["records"], time.perf_counter() - began))
        env = dict(os.environ, PYTHONPATH="%s:%s" % (REPO, os.environ.get("BENCH_COLLECTIONS", REPO / ".collections")))
        roles = sorted(role_arn(app, kind) for app in range(APPS) for kind in ("task", "execution"))
        job = tmp / "job.json"
        job.write_text(json.dumps({"dir": str(tmp / "trail"), "account": ACCOUNT, "roles": roles,
                                   "start": trail["start"].isoformat(), "end": trail["end"].isoformat()}))
        commands = {
            "ours": ([sys.executable, "-c", OURS, str(job)], False),
            "floor": ([sys.executable, "-c", FLOOR, str(tmp / "trail")], False),
        }
        if tool:
            commands["trailscraper"] = ("%s select --log-dir %s --filter-assumed-role-arn %s --from %s --to %s | %s generate" % (
                tool, tmp / "trail", role_arn(7, "task"), trail["start"].strftime("%Y-%m-%d"),
                (trail["end"] + datetime.timedelta(days=1)).strftime("%Y-%m-%d"), tool), True)
        commands = dict((name, value) for name, value in commands.items() if only is None or name in only)
        results = dict((name, {"seconds": [], "cpu": [], "peak_kb": [], "out": None}) for name in commands)
        names = list(commands)
        for run in range(repeat):
            # Alternate the order so that no command always runs after the same one.
            for name in (names if run % 2 == 0 else list(reversed(names))):
                command, shell = commands[name]
                seconds, cpu, peak, out = timed(command, env, shell)
                results[name]["seconds"].append(seconds)
                results[name]["cpu"].append(cpu)
                results[name]["peak_kb"].append(peak)
                results[name]["out"] = out
        return trail, results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(size_mb, trail, results):
    for name in ("ours", "floor"):
        if name in results and json.loads(results[name]["out"])["read"] != trail["records"]:
            raise SystemExit("%s read %d records, %d were written" % (name, json.loads(results[name]["out"])["read"], trail["records"]))
    median = dict((name, statistics.median(item["seconds"])) for name, item in results.items())
    print("--size %d MB: %d records; ours answers for %d roles (%d rows), trailscraper for 1 role" % (
        size_mb, trail["records"], 2 * APPS, json.loads(results["ours"]["out"])["rows"]))
    cpu = dict((name, statistics.median(item["cpu"])) for name, item in results.items())
    print("%-13s %9s %17s %9s %17s %8s %9s %9s" % (
        "command", "median s", "spread (min-max)", "CPU s", "spread (min-max)", "peak MB", "wall/ours", "CPU/ours"))
    for name, item in results.items():
        print("%-13s %9.2f %8.2f-%-8.2f %9.2f %8.2f-%-8.2f %8.0f %9s %9s" % (
            name, median[name], min(item["seconds"]), max(item["seconds"]), cpu[name], min(item["cpu"]), max(item["cpu"]),
            max(item["peak_kb"]) / 1024, "-" if name == "ours" else "%.2fx" % (median[name] / median["ours"]),
            "-" if name == "ours" else "%.2fx" % (cpu[name] / cpu["ours"])))
    used = min(cores(), trail["files"])
    if "floor" not in median:
        return {"median": median, "cpu": cpu, "peak_kb": dict((name, max(item["peak_kb"])) for name, item in results.items())}
    print("ours: %.1f MB/s of .json.gz, %.1f MB/s of JSON per core (%d cores); the floor (one process): %.1f MB/s of JSON;"
          " ours takes %.2fx the floor's time on %d cores (at most %.2fx its CPU time)" % (
              trail["gz_bytes"] / 1e6 / median["ours"] / used, trail["json_bytes"] / 1e6 / median["ours"] / used, used,
              trail["json_bytes"] / 1e6 / median["floor"], median["ours"] / median["floor"], used, median["ours"] * used / median["floor"]))
    print("CPU: ours %.2fx the floor's; on %d idle cores ours would take about %.1f s (its CPU time / cores)" % (
        cpu["ours"] / cpu["floor"], used, cpu["ours"] / used))
    if "trailscraper" in median:
        ratio = median["trailscraper"] / median["ours"]
        print("trailscraper / ours: %.1fx in wall time (goal >= 10x): %s; %.1fx in CPU time (whatever else the machine runs)" % (
            ratio, "met" if ratio >= 10 else "MISSED", cpu["trailscraper"] / cpu["ours"]))
    return {"median": median, "cpu": cpu, "peak_kb": dict((name, max(item["peak_kb"])) for name, item in results.items()),
            "trail": dict((key, value) for key, value in trail.items() if key not in ("start", "end"))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=int(os.environ.get("BENCH_USAGE_MB", "100")), help="MB of .json.gz (default 100)")
    parser.add_argument("--sizes", help="comma-separated sizes in MB, e.g. 100,1024 (overrides --size; prints the memory of each)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "5")), help="samples per command (default 5)")
    parser.add_argument("--trailscraper", help="the trailscraper command to use (default: PATH, else a throwaway venv)")
    parser.add_argument("--no-trailscraper", action="store_true", help="do not measure trailscraper")
    parser.add_argument("--commands", help="measure only these (comma-separated: ours,floor,trailscraper); ours is always measured")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else [args.size]
    only = set(args.commands.split(",")) | {"ours"} if args.commands else None
    if only is not None and "trailscraper" not in only:
        args.no_trailscraper = True
    everything = {}
    with tempfile.TemporaryDirectory(prefix="bench-usage-tool-") as tool_dir:
        tool = None if args.no_trailscraper else trailscraper_bin(pathlib.Path(tool_dir), args.trailscraper)
        for size in sizes:
            trail, results = measure(size, args.repeat, tool, only)
            everything[size] = report(size, trail, results)
    if len(sizes) > 1:
        peaks = [everything[size]["peak_kb"]["ours"] / 1024 for size in sizes]
        print("\npeak memory of ours: %s; spread %.0f MB (goal: within 50 MB)" % (
            ", ".join("%d MB trail: %.0f MB" % (size, peak) for size, peak in zip(sizes, peaks)), max(peaks) - min(peaks)))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(everything, indent=2, default=str))


if __name__ == "__main__":
    main()
