"""A stand-in for ClamAV's command line (clamscan / clamdscan) in the attachment tests.

It keeps clamscan's contract, which ATTACHMENT_SCAN_COMMAND relies on: one line per file on
standard output, exit 0 when clean, 1 when a signature is found, 2 on an error. It knows one
signature, the EICAR anti-virus test string, and two markers that make it fail or hang.

    python tests/virus_scanner.py FILE
"""
from __future__ import annotations

import sys
import time

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def main(path: str) -> int:
    try:
        data = open(path, "rb").read()
    except OSError as error:
        print(f"{path}: {error} ERROR")
        return 2
    if b"SCANNER-FAULT" in data:
        print(f"{path}: Can't open database ERROR", file=sys.stderr)
        return 2
    if b"SCANNER-HANGS" in data:
        time.sleep(30)
    if EICAR in data:
        print(f"{path}: Win.Test.EICAR_HDB-1 FOUND")
        return 1
    print(f"{path}: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
