"""A stand-in for a centre's SMS gateway client in the tests, with the contract SMS_COMMAND relies on.

    python tests/sms_gateway.py OUTBOX PHONE   (the message on standard input)

Appends "PHONE<TAB>MESSAGE" to OUTBOX and exits 0; refuses (exit 1) a number ending in 0000, as a
gateway refuses a number it does not serve.
"""
from __future__ import annotations

import sys


def main(outbox: str, phone: str) -> int:
    message = sys.stdin.read()
    if phone.endswith("0000"):
        print(f"{phone}: not served", file=sys.stderr)
        return 1
    with open(outbox, "a", encoding="utf-8") as fh:
        fh.write(f"{phone}\t{message}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
