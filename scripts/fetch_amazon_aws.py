"""Put amazon.aws into the collections tree without Ansible Galaxy.

No PyPI package carries amazon.aws alone; the pinned `ansible` wheel does. Download that wheel once
(into .cache/) and unpack only ``ansible_collections/amazon/aws``.
"""

import argparse
import pathlib
import subprocess
import sys
import zipfile

PREFIX = "ansible_collections/amazon/aws/"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", required=True, help="version of the ansible package on PyPI")
    parser.add_argument("--cache", default=".cache", help="where the wheel is kept")
    parser.add_argument("--dest", default=".collections", help="collections root")
    args = parser.parse_args()

    cache = pathlib.Path(args.cache)
    wheel = cache / f"ansible-{args.version}-py3-none-any.whl"
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(cache), f"ansible=={args.version}"],
            check=True,
        )
    dest = pathlib.Path(args.dest)
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if name.startswith(PREFIX)]
        if not members:
            sys.exit(f"{wheel} holds no {PREFIX}")
        archive.extractall(dest, members)
    print(f"amazon.aws unpacked from {wheel.name} into {dest} ({len(members)} files)")


if __name__ == "__main__":
    main()
