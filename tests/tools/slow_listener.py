#!/usr/bin/python3
"""slow_listener SECONDS [DELAY_MS] [RCVBUF]: a deliberately slow member of
drift's "events" multicast group, for the stress tests: a netlink socket
with a tiny receive buffer (RCVBUF bytes, default 4096: the kernel doubles
it and has a floor of about 2 KiB) that reads one message every DELAY_MS
(default 200) for SECONDS, so that a flood of events overruns it and the
module has to count what it could not deliver. Prints
"slow_listener: received=N overruns=N" (overruns: ENOBUFS on receive)."""
import errno, socket, struct, sys, time

NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 0x10, 3
CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 270, 1


def attrs(data):
    while len(data) >= 4:
        ln, ty = struct.unpack_from("HH", data)
        if ln < 4:
            break
        yield ty & 0x3FFF, data[4:ln]
        data = data[(ln + 3) & ~3:]


def events_group(sock):
    name = b"drift\0"
    a = struct.pack("HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    a += b"\0" * ((4 - len(a) % 4) % 4)
    msg = struct.pack("IHHII", 16 + 4 + len(a), GENL_ID_CTRL, 1, 1, 0)
    msg += struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) + a
    sock.send(msg)
    data = sock.recv(65536)
    ln, ty = struct.unpack_from("IH", data)
    if ty == 2:
        sys.exit("slow_listener: no drift family (module not loaded?)")
    for t, v in attrs(data[20:ln]):
        if t == CTRL_ATTR_MCAST_GROUPS:
            for _, grp in attrs(v):
                g = dict(attrs(grp))
                if g.get(CTRL_ATTR_MCAST_GRP_NAME, b"").rstrip(b"\0") == b"events":
                    return struct.unpack("I", g[CTRL_ATTR_MCAST_GRP_ID][:4])[0]
    sys.exit("slow_listener: the drift family has no events group")


def main():
    secs = float(sys.argv[1])
    delay = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.2
    rcvbuf = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    grp = events_group(sock)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, grp)
    sock.settimeout(0.5)
    end, got, overruns = time.time() + secs, 0, 0
    print("slow_listener: joined", flush=True)
    while time.time() < end:
        try:
            sock.recv(65536)
            got += 1
        except socket.timeout:
            continue
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            overruns += 1
        time.sleep(delay)
    print("slow_listener: received=%d overruns=%d" % (got, overruns), flush=True)


main()
