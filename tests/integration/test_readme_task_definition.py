"""The README's task definition example, run as written: deploy.yml imported from a user's playbook, then
community.aws.ecs_taskdefinition (community.aws from the pinned `ansible` wheel, as a user of that package has it)
registers each application's task definition with the role ARNs deploy.yml published."""

import pathlib
import re
import subprocess
import sys
import zipfile

import boto3
import pytest

from tests.support.reliability import playbook_env

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
ANSIBLE_VERSION = re.search(r"^ANSIBLE_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.M).group(1)
WHEEL = REPO / ".cache" / f"ansible-{ANSIBLE_VERSION}-py3-none-any.whl"  # `make setup` downloads it (scripts/fetch_amazon_aws.py)


def readme_example():
    text = (REPO / "README.md").read_text()
    section = text.split("## The roles in a task definition\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_registers_task_definitions_with_the_published_roles(aws, tmp_path):
    assert WHEEL.exists(), f"{WHEEL} is missing: run `make setup`"
    with zipfile.ZipFile(WHEEL) as archive:
        archive.extractall(tmp_path / "collections", [name for name in archive.namelist() if name.startswith("ansible_collections/community/aws/")])
    (tmp_path / "site.yml").write_text(readme_example())
    env = playbook_env(aws, ANSIBLE_COLLECTIONS_PATH=f"{tmp_path / 'collections'}:{REPO / '.collections'}")
    proc = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", "inventories/staging", str(tmp_path / "site.yml")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=aws.region)
    iam = session.client("iam", endpoint_url=aws.url)
    ecs = session.client("ecs", endpoint_url=aws.url)
    for app in ("cerpac", "worker"):
        definition = ecs.describe_task_definition(taskDefinition=f"staging-{app}")["taskDefinition"]
        assert (definition["taskRoleArn"], definition["executionRoleArn"]) == (
            iam.get_role(RoleName=f"staging-{app}-ecs-task-role")["Role"]["Arn"],
            iam.get_role(RoleName=f"staging-{app}-ecs-task-execution-role")["Role"]["Arn"])
