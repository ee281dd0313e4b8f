#!/usr/bin/env python3
"""nlraw.py: send one raw drift generic netlink request, print the result.

usage: nlraw.py CMD [TYPE:ATTR=VALUE ...]
  CMD    a DRIFT_CMD_* name without the prefix (SET_CONFIG) or number
  TYPE   u8, u32, u64 or str; ATTR a DRIFT_A_* name without the prefix
         (SEALED) or number; names come from include/drift_netlink.h
Prints "OK" or the errno name and the extack message ("EPERM: sealed: ..."),
and exits 0 either way (2 on a usage or transport error). For requests that
driftctl cannot make (an unseal, a half-loaded set).
Options: --hold SECONDS  keep the socket open that long after the reply.
"""
import errno
import os
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG = 1
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def attrs(buf):
    out = {}
    while len(buf) >= 4:
        n, t = struct.unpack_from("=HH", buf)
        if n < 4:
            break
        out[t & 0x3fff] = buf[4:n]
        buf = buf[(n + 3) & ~3:]
    return out


class Sock:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 1

    def request(self, typ, cmd, payload, version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), typ,
                          NLM_F_REQUEST | NLM_F_ACK, self.seq, 0)
        self.s.send(hdr + body)
        reply = None
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                ln, t, fl, seq, pid = struct.unpack_from("=IHHII", data, off)
                msg = data[off + 16:off + ln]
                off += (ln + 3) & ~3
                if t == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", msg)[0]
                    ext = ""
                    # nlmsgerr: error, the request (only its header when
                    # capped), then the extack attributes
                    if fl & 0x200:
                        skip = 16 if fl & 0x100 else \
                            struct.unpack_from("=I", msg, 4)[0]
                        a = attrs(msg[4 + ((skip + 3) & ~3):])
                        if NLMSGERR_ATTR_MSG in a:
                            ext = a[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode()
                    return err, ext, reply
                reply = msg


def family_id(sk):
    err, ext, reply = sk.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                 attr(CTRL_ATTR_FAMILY_NAME, b"drift\0"))
    if err or reply is None:
        sys.exit("nlraw: drift family not found (%s)" % errno.errorcode.get(err, err))
    return struct.unpack("=H", attrs(reply[4:])[CTRL_ATTR_FAMILY_ID][:2])[0]


def enum_values(enum, prefix):
    import re
    here = os.path.dirname(os.path.abspath(__file__))
    text = open(os.path.join(here, "..", "..", "include",
                             "drift_netlink.h")).read()
    body = text[text.index("enum " + enum + " {"):]
    body = body[:body.index("};")]
    names = re.findall(r"^\s*(" + prefix + r"\w+)", body, re.M)
    return {n[len(prefix):]: i for i, n in enumerate(names)}


def number(s, enum, prefix):
    return int(s) if s.isdigit() else enum_values(enum, prefix)[s]


def main(argv):
    hold = 0.0
    if len(argv) >= 2 and argv[0] == "--hold":
        hold = float(argv[1])
        argv = argv[2:]
    if not argv:
        sys.exit(__doc__)
    cmd = number(argv[0], "drift_cmd", "DRIFT_CMD_")
    payload = b""
    for a in argv[1:]:
        typ, rest = a.split(":", 1)
        num, val = rest.split("=", 1)
        num = number(num, "drift_attr", "DRIFT_A_")
        if typ == "u8":
            payload += attr(num, struct.pack("=B", int(val)))
        elif typ == "u32":
            payload += attr(num, struct.pack("=I", int(val)))
        elif typ == "u64":
            payload += attr(num, struct.pack("=Q", int(val)))
        elif typ == "str":
            payload += attr(num, val.encode() + b"\0")
        else:
            sys.exit("nlraw: bad attribute " + a)
    sk = Sock()
    err, ext, _ = sk.request(family_id(sk), cmd, payload)
    if err:
        print("%s: %s" % (errno.errorcode.get(err, str(err)), ext))
    else:
        print("OK")
    sys.stdout.flush()
    if hold:
        time.sleep(hold)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
