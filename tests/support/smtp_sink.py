"""A real SMTP server on loopback (aiosmtpd) that saves each message it receives as a file.

    python tests/support/smtp_sink.py --port 2525 --dir /tmp/mail

Each message becomes DIR/<nanoseconds>-<n>.eml, written under a temporary name and renamed, so a
reader never sees half a message. Runs until SIGTERM or SIGINT. Used by scripts/test.sh.
"""
import argparse
import itertools
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller


class SaveToFolder:
    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        name = f"{time.time_ns()}-{next(self.numbers)}.eml"
        temporary = os.path.join(self.folder, "." + name)
        with open(temporary, "wb") as handle:
            handle.write(envelope.original_content or envelope.content)
        os.replace(temporary, os.path.join(self.folder, name))
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(SaveToFolder(args.dir), hostname=args.host, port=args.port)
    controller.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"SMTP sink on {args.host}:{args.port}, saving to {args.dir}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
