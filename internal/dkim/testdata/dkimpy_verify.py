"""Verify the topmost DKIM signature of the message on stdin with dkimpy.

Usage: /usr/bin/python3 -I dkimpy_verify.py NAME RECORD < message

Instead of asking the DNS, the key lookup answers RECORD for NAME (the
selector._domainkey.domain name) and nothing for any other name. Prints
True or False; dkimpy's reason for False goes to stderr. Run by the Go
tests in sign_test.go, with Debian's python3-dkim.
"""

import logging
import sys

import dkim


def main():
    want_name, record = sys.argv[1], sys.argv[2].encode()

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        if name.rstrip(".").lower() != want_name.lower():
            print("dkimpy asked for %r, not %r" % (name, want_name), file=sys.stderr)
            return None
        return record

    logging.basicConfig(stream=sys.stderr, format="dkimpy: %(message)s")
    msg = sys.stdin.buffer.read()
    print(dkim.verify(msg, logger=logging.getLogger("dkimpy"), dnsfunc=dnsfunc))


if __name__ == "__main__":
    main()
