#!/usr/bin/python3
"""A real RTSP server for tests and benches (GStreamer's gst-rtsp-server through python3-gi).

Serves one stream on rtsp://127.0.0.1:PORT/cam, either encoded live from a test pattern (H.264 or MJPEG) or sent
from a prepared file (an MP4 with H.264, or a Matroska file with JPEG frames) without re-encoding.
Prints "ready PORT" on stdout once it listens. Reads commands on stdin, one per line:
  pattern N   switch the live test pattern of every client's stream (0 smpte, 2 black, 3 white, ...)
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def launch_line(args):
    if args.file:
        location = args.file.replace("\\", "\\\\").replace('"', '\\"')
        if args.codec == "h264":
            return f'( filesrc location="{location}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )'
        return f'( filesrc location="{location}" ! matroskademux ! rtpjpegpay name=pay0 pt=26 )'
    raw = (
        f"videotestsrc name=src is-live=true pattern={args.pattern} horizontal-speed={args.speed}"
        f" ! video/x-raw,format=I420,width={args.width},height={args.height},framerate={args.fps}/1"
    )
    if args.codec == "h264":
        return (
            f"( {raw} ! x264enc tune=zerolatency speed-preset=ultrafast bitrate={args.bitrate_kbps}"
            f" key-int-max={args.fps} ! rtph264pay name=pay0 pt=96 config-interval=1 )"
        )
    return f"( {raw} ! jpegenc quality={args.quality} ! rtpjpegpay name=pay0 pt=26 )"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--codec", choices=["h264", "mjpeg"], default="h264")
    parser.add_argument("--file", help="serve this prepared file instead of a live test pattern")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--bitrate-kbps", type=int, default=4000)
    parser.add_argument("--quality", type=int, default=85)
    parser.add_argument("--pattern", type=int, default=0)
    parser.add_argument("--speed", type=int, default=4, help="horizontal pixels per frame the pattern moves")
    args = parser.parse_args()

    Gst.init(None)
    loop = GLib.MainLoop()
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(args))
    factory.set_shared(False)
    sources = []

    def on_configure(_factory, media):
        src = media.get_element().get_by_name("src")
        if src is not None:
            src.set_property("pattern", args.pattern)
            sources.append(src)

    factory.connect("media-configure", on_configure)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        sys.exit(2)

    def on_stdin(channel, condition):
        if condition & (GLib.IO_HUP | GLib.IO_ERR):
            loop.quit()
            return False
        line = channel.readline()
        if line == "":
            loop.quit()
            return False
        parts = line.split()
        if len(parts) == 2 and parts[0] == "pattern" and parts[1].isdigit():
            args.pattern = int(parts[1])
            for src in sources:
                src.set_property("pattern", args.pattern)
            print(f"pattern {args.pattern}", flush=True)
        return True

    channel = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(channel, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR, on_stdin)
    print(f"ready {args.port}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
