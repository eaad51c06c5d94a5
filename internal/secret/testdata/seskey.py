#!/usr/bin/env python3
"""Derive an SES SMTP password from a secret access key.

An independent implementation of the conversion AWS documents in
"Obtaining Amazon SES SMTP credentials by converting existing AWS
credentials" (https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html),
used by smtp_test.go to cross-check SMTPPassword.

Usage: seskey.py SECRET REGION
"""
import base64
import hashlib
import hmac
import sys

DATE = "11111111"
SERVICE = "ses"
MESSAGE = "SendRawEmail"
TERMINAL = "aws4_request"
VERSION = 0x04


def sign(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def smtp_password(secret_access_key, region):
    signature = sign(("AWS4" + secret_access_key).encode("utf-8"), DATE)
    for part in (region, SERVICE, TERMINAL, MESSAGE):
        signature = sign(signature, part)
    return base64.b64encode(bytes([VERSION]) + signature).decode("utf-8")


if __name__ == "__main__":
    print(smtp_password(sys.argv[1], sys.argv[2]))
