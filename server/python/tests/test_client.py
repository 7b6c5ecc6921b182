"""Tests of vigil_client: the wire format byte for byte, then both clients against an in-test
fake server (tests/fake_server.py), then, when VIGIL_TEST_ADDRESS and VIGIL_TEST_PHOTO are set,
against a real Vigil server.

Run: ``cd server/python && python3 -m unittest discover -s tests -v``. Standard library only.
No assertion depends on how long anything takes; waits are bounded only to turn hangs into failures.
"""

import asyncio
import os
import random
import socket
import ssl
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_server import WAIT, FakeServer  # noqa: E402
from vigil_client import (AsyncVigilClient, ErrorCode, PixelFormat, RawImage, Verdict, VigilClient,  # noqa: E402
                          VigilError)
from vigil_client import protocol  # noqa: E402
from vigil_client._core import parse_address  # noqa: E402

TLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tls")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def parse_one(data: bytes):
    length, frame_type, request_id = protocol.parse_header(data[:16])
    return protocol.parse_frame(frame_type, request_id, data[16:16 + length])


class ProtocolTest(unittest.TestCase):
    """Frames against server/PROTOCOL.md; expected bytes are written out by hand from the spec."""

    def test_hello(self):
        self.assertEqual(h("0000001d 01 00 0000 0000000000000000"  # length 12 + 17, HELLO, request id 0
                           "5647494c 0001 0002"                    # "VGIL", min_version 1, max_version 2
                           "0003 74306b"                           # token "t0k"
                           "0002 6a76"),                           # client_name "jv"
                         protocol.encode_hello("t0k", "jv"))

    def test_score_with_encoded_image(self):
        chunks = protocol.encode_score(7, 1500, b"strict", b"\x89PNG")
        self.assertEqual(h("00000022 10 00 0000 0000000000000007"  # length 12 + 22, SCORE, id 7
                           "000005dc"                              # timeout_ms 1500
                           "0006 737472696374"                     # policy "strict"
                           "01 00000004 89504e47"                  # encoded, 4 bytes
                           "00"),                                  # has_source 0
                         b"".join(chunks))

    def test_score_asking_for_a_receipt_sets_the_flag(self):
        chunks = protocol.encode_score(7, 1500, b"strict", b"\x89PNG", receipt=True)
        self.assertEqual(h("00000022 10 01 0000 0000000000000007"  # SCORE with flags 0x01 RECEIPT (version 2)
                           "000005dc" "0006 737472696374" "01 00000004 89504e47" "00"),
                         b"".join(chunks))

    def test_score_with_raw_pixels_and_source(self):
        pixels = bytes([1, 2, 3, 4, 5, 6, 0xEE, 0xEE, 7, 8, 9, 10, 11, 12])  # 2x2 RGB, stride 8
        raw = RawImage(pixels, 2, 2, 8, "RGB")
        data = b"".join(protocol.encode_score(258, 0, b"", raw, b"\xff\xd8\xff"))
        self.assertEqual(h("0000003b 10 00 0000 0000000000000102"       # length 12 + 47, SCORE, id 258
                           "00000000 0000"                              # server's default timeout and policy
                           "02 01 00000002 00000002 00000008 0000000e"  # raw, RGB, w 2, h 2, stride 8, 14 bytes
                           "010203040506eeee0708090a0b0c"
                           "01 01 00000003 ffd8ff"),                    # has_source, encoded, 3 bytes
                         data)
        self.assertEqual(0x3b, protocol.score_length(b"", raw, b"\xff\xd8\xff"))

    def test_cancel_ping_pong(self):
        self.assertEqual(h("0000000c 30 00 0000 0000000000000009"), protocol.encode_cancel(9))
        self.assertEqual(h("00000014 20 00 0000 0000000000000003 000000000000002a"), protocol.encode_ping(3, 42))
        self.assertEqual(h("00000014 21 00 0000 0000000000000000 000000000000002a"), protocol.encode_pong(0, 42))

    def test_decodes_every_server_frame(self):
        self.assertEqual(protocol.HelloOk(0, 1, 33558528, 256, 33554432, "vigil"), parse_one(h(
            "00000021 02 00 0000 0000000000000000 0001 02001000 00000100 02000000 0005 766967696c")))
        self.assertEqual(protocol.VerdictFrame(3, 2, True, '{"a":1}'), parse_one(h(
            "00000019 11 00 0000 0000000000000003 02 01 00000007 7b2261223a317d")))
        self.assertEqual(protocol.ErrorFrame(4, 6, True, "busy"), parse_one(h(
            "00000015 12 00 0000 0000000000000004 0006 01 0004 62757379")))
        self.assertEqual(protocol.Ping(0, 0x0102030405060708), parse_one(h(
            "00000014 20 00 0000 0000000000000000 0102030405060708")))
        self.assertEqual(protocol.Pong(5, 1), parse_one(h("00000014 21 00 0000 0000000000000005 0000000000000001")))
        self.assertEqual(protocol.GoAway(0, "bye"), parse_one(h("00000011 40 00 0000 0000000000000000 0003 627965")))

    def test_refuses_malformed_frames_naming_the_field(self):
        cases = {
            "flags: 1 (expected: 0)": "00000014 20 01 0000 0000000000000000 0000000000000000",
            "reserved: 2 (expected: 0)": "00000014 20 00 0002 0000000000000000 0000000000000000",
            "length: 11 (expected: >= 12)": "0000000b 20 00 0000 0000000000000000",
            "length: 16777229 (expected: <= 16777216)": "0100000d 11 00 0000 0000000000000001",
            "type: 0x10 (expected: HELLO_OK, VERDICT, ERROR, PING, PONG or GOAWAY)":
                "0000000c 10 00 0000 0000000000000001",
            "decision: 3 (expected: 0, 1 or 2)": "00000012 11 00 0000 0000000000000001 03 00 00000000",
            "failed_closed: 2 (expected: 0 or 1)": "00000012 11 00 0000 0000000000000001 02 02 00000000",
            "json: needs 9 bytes, 1 left in the frame": "00000013 11 00 0000 0000000000000001 00 00 00000009 7b",
            "payload: 1 bytes after the last field of type 0x21 (expected: 0)":
                "00000015 21 00 0000 0000000000000001 0000000000000001 ff",
        }
        for message, frame in cases.items():
            with self.subTest(message):
                with self.assertRaises(protocol.ProtocolError) as caught:
                    parse_one(h(frame))
                self.assertEqual(message, str(caught.exception))

    def test_raw_image_checks_its_geometry(self):
        with self.assertRaises(ValueError) as caught:
            RawImage(bytes(13), 2, 2, 8, PixelFormat.RGB)
        self.assertEqual("data: 13 bytes (expected: >= 14 = stride * (height - 1) + width * channels)",
                         str(caught.exception))
        with self.assertRaises(ValueError) as caught:
            RawImage(bytes(100), 4, 2, 11, "rgb")
        self.assertEqual("stride: 11 (expected: >= 12 for width 4 RGB)", str(caught.exception))
        with self.assertRaises(ValueError):
            RawImage(bytes(12), 2, 2, 2, "CMYK")
        self.assertEqual(PixelFormat.BGRA, RawImage.packed(bytes(16), 2, 2, "bgra").format)
        self.assertEqual([1, 2, 3, 4, 5], [f.wire for f in PixelFormat])

    def test_error_codes_follow_the_table(self):
        self.assertEqual(["BAD_FRAME", "UNSUPPORTED_VERSION", "UNAUTHENTICATED", "FRAME_TOO_LARGE", "BAD_REQUEST",
                          "OVERLOADED", "DEADLINE_EXCEEDED", "SHUTTING_DOWN", "INTERNAL", "CANCELLED",
                          "DUPLICATE_REQUEST_ID"], [ErrorCode.from_wire(i).value for i in range(1, 12)])
        self.assertIs(ErrorCode.UNKNOWN, ErrorCode.from_wire(99))
        self.assertEqual("TIMEOUT", ErrorCode.TIMEOUT)

    def test_addresses(self):
        self.assertEqual(("tcp", ("127.0.0.1", 7070)), parse_address("127.0.0.1:7070"))
        self.assertEqual(("tcp", ("::1", 7070)), parse_address("[::1]:7070"))
        self.assertEqual(("tcp", ("h", 1)), parse_address(("h", 1)))
        self.assertEqual(("unix", "/run/vigil.sock"), parse_address("unix:/run/vigil.sock"))
        with self.assertRaises(ValueError):
            parse_address("nohost")


class ServerCase:
    """Starts fake servers and closes them, and the clients, after each test."""

    def start(self, **options) -> FakeServer:
        server = FakeServer(**options)
        self.addCleanup(server.close)
        return server

    def tls_server_context(self, require_client_cert: bool = False) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(TLS, "server.pem"), os.path.join(TLS, "server.key"))
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(os.path.join(TLS, "ca.pem"))
        return context


class SyncClientTest(ServerCase, unittest.TestCase):
    def client(self, server: FakeServer, **options) -> VigilClient:
        client = VigilClient(server.address, **options)
        self.addCleanup(client.close)
        return client

    def in_thread(self, function):
        """Runs a blocking call beside the test thread, which plays the server's part."""
        result = {}

        def run():
            try:
                result["value"] = function()
            except BaseException as e:  # handed to the test thread
                result["error"] = e

        import threading
        thread = threading.Thread(target=run, daemon=True)
        thread.start()

        def join():
            thread.join(WAIT)
            self.assertFalse(thread.is_alive(), "the call did not return")
            if "error" in result:
                raise result["error"]
            return result["value"]

        return join

    def test_reads_the_verdict_and_its_details(self):
        server = self.start()
        client = self.client(server, token="t", client_name="sync-test")
        call = self.in_thread(lambda: client.score(PNG_MAGIC, policy="strict"))
        score = server.next_score()
        self.assertEqual("strict", score.policy)
        self.assertEqual(PNG_MAGIC, score.image)
        score.verdict(1, False, {"decision": "REVIEW", "rule": "suggestive", "reason": "suggestive 0.8 >= 0.7",
                                 "signals": {"suggestive": 0.8, "faces": 1}})
        verdict = call()
        self.assertEqual("REVIEW", verdict.decision)
        self.assertEqual("suggestive", verdict.rule)
        self.assertEqual({"suggestive": 0.8, "faces": 1.0}, dict(verdict.signals))
        self.assertFalse(verdict.failed_closed)
        self.assertIsNone(verdict.error)
        hello = server.next_hello()
        self.assertEqual((b"VGIL", 1, 2, "t", "sync-test"),
                         (hello.magic, hello.min_version, hello.max_version, hello.token, hello.client_name))

    def test_a_failed_closed_verdict_from_the_server_is_kept_as_sent(self):
        server = self.start()
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        server.next_score().verdict(2, True, {"rule": "error", "reason": "decode: truncated PNG"})
        verdict = call()
        self.assertEqual(("BLOCK", True, None, "decode: truncated PNG"),
                         (verdict.decision, verdict.failed_closed, verdict.error, verdict.reason))

    def test_answers_are_matched_by_request_id(self):
        server = self.start()
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        score = server.next_score()
        # Answers for ids this call did not send (say, ones it gave up on) come first.
        server.send(score.connection, _verdict_frame(score.request_id + 100, 2))
        server.send(score.connection, _error_frame(score.request_id + 101, 6, True, "not yours"))
        score.allow("mine")
        self.assertEqual("mine", call().reason)

    def test_timeout_is_a_fail_closed_block_and_cancels_the_request(self):
        server = self.start()
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC, timeout=0.3))
        score = server.next_score()  # never answered in time
        self.assertTrue(0 < score.timeout_ms <= 300, score.timeout_ms)
        verdict = call()
        self.assertEqual(("BLOCK", True, ErrorCode.TIMEOUT), (verdict.decision, verdict.failed_closed, verdict.error))
        self.assertEqual((score.connection, score.request_id), server.cancels.get(timeout=WAIT))
        score.allow("late")  # ignored: nobody waits for it
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        second = server.next_score()
        self.assertEqual(score.connection, second.connection, "a timeout does not cost the connection")
        second.allow("in time")
        self.assertEqual("in time", call().reason)

    def test_a_request_lost_with_its_connection_is_sent_again(self):
        server = self.start()
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        first = server.next_score()
        first.close_connection()
        second = server.next_score()
        self.assertNotEqual(first.connection, second.connection)
        second.allow("ok")
        self.assertEqual("ALLOW", call().decision)
        self.assertEqual(2, server.hellos.qsize())

    def test_connection_loss_without_retries_is_a_block(self):
        server = self.start()
        client = self.client(server, max_attempts=1)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        server.next_score().close_connection()
        verdict = call()
        self.assertEqual(("BLOCK", True, ErrorCode.CONNECTION_FAILED),
                         (verdict.decision, verdict.failed_closed, verdict.error))

    def test_overloaded_is_retried(self):
        server = self.start()
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        first = server.next_score()
        first.error(6, True, "busy")
        second = server.next_score()
        self.assertNotEqual(first.request_id, second.request_id)
        second.allow("ok")
        self.assertEqual("ALLOW", call().decision)

    def test_unauthenticated_is_a_block_and_not_retried(self):
        server = self.start(token="secret")
        client = self.client(server, token="wrong")
        verdict = client.score(PNG_MAGIC)
        self.assertEqual(("BLOCK", True, ErrorCode.UNAUTHENTICATED),
                         (verdict.decision, verdict.failed_closed, verdict.error))
        self.assertIn("token does not match", verdict.reason)
        self.assertEqual(1, server.hellos.qsize())
        self.assertTrue(server.scores.empty())

    def test_surface_errors_raises_instead(self):
        server = self.start()
        client = self.client(server, surface_errors=True)
        call = self.in_thread(lambda: client.score(PNG_MAGIC, policy="nope"))
        server.next_score().error(5, False, "policy: nope (expected: one of strict, permissive)")
        with self.assertRaises(VigilError) as caught:
            call()
        self.assertEqual((ErrorCode.BAD_REQUEST, False), (caught.exception.code, caught.exception.retryable))
        self.assertEqual("BAD_REQUEST: policy: nope (expected: one of strict, permissive)", str(caught.exception))
        call = self.in_thread(lambda: client.score(PNG_MAGIC, timeout=0.2))
        server.next_score()
        with self.assertRaises(VigilError) as caught:
            call()
        self.assertEqual(ErrorCode.TIMEOUT, caught.exception.code)

    def test_raw_pixels_and_source_on_the_wire(self):
        server = self.start()
        client = self.client(server)
        pixels = bytes(range(28))  # 3x2 BGRA, stride 16
        call = self.in_thread(lambda: client.score(RawImage(pixels, 3, 2, 16, PixelFormat.BGRA), source=b"\x89PNG",
                                                   policy="strict", timeout=4))
        score = server.next_score()
        self.assertTrue(0 < score.timeout_ms <= 4000)
        self.assertEqual(h("0006 737472696374"
                           "02 04 00000003 00000002 00000010 0000001c"
                           "000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
                           "01 01 00000004 89504e47"), score.payload[4:])
        score.allow("ok")
        self.assertEqual("ALLOW", call().decision)
        self.assertEqual([], server.errors)

    def test_image_over_the_servers_limit_is_refused_before_sending(self):
        server = self.start(max_image_bytes=8)
        client = self.client(server)
        verdict = client.score(bytes(9))
        self.assertEqual(ErrorCode.BAD_REQUEST, verdict.error)
        self.assertEqual("BAD_REQUEST: image.byte_length: 9 (expected: <= max_image_bytes 8)", verdict.reason)
        self.assertTrue(server.scores.empty())

    def test_unreachable_server_is_a_block(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        client = VigilClient(f"127.0.0.1:{port}", retry_backoff=(0.005, 0.01))
        self.addCleanup(client.close)
        verdict = client.score(PNG_MAGIC)
        self.assertEqual(("BLOCK", True, ErrorCode.CONNECTION_FAILED),
                         (verdict.decision, verdict.failed_closed, verdict.error))

    def test_goaway_moves_the_next_call_to_a_new_connection(self):
        server = self.start()
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        first = server.next_score()
        server.go_away(first.connection, "draining")
        first.allow("answered after GOAWAY")
        self.assertEqual("answered after GOAWAY", call().reason)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        second = server.next_score()
        self.assertNotEqual(first.connection, second.connection)
        second.allow("ok")
        call()

    def test_ping_is_answered_while_waiting(self):
        server = self.start()
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        score = server.next_score()
        server.ping(score.connection, 77, 0x0123456789ABCDEF)
        self.assertEqual((score.connection, 77, 0x0123456789ABCDEF), server.pongs.get(timeout=WAIT))
        score.allow()
        call()

    def test_unix_socket(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(lambda: os.rmdir(directory))
        path = os.path.join(directory, "vigil.sock")
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        server = self.start(unix_path=path)
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        server.next_score().allow("over unix")
        self.assertEqual("over unix", call().reason)

    def test_mutual_tls(self):
        server = self.start(ssl_context=self.tls_server_context(require_client_cert=True))
        client = self.client(server, ca_file=os.path.join(TLS, "ca.pem"), cert_file=os.path.join(TLS, "client.pem"),
                             key_file=os.path.join(TLS, "client.key"))
        call = self.in_thread(lambda: client.score(PNG_MAGIC))
        server.next_score().allow("over tls")
        self.assertEqual("over tls", call().reason)

    def test_untrusted_server_certificate_is_a_block(self):
        server = self.start(ssl_context=self.tls_server_context())
        client = self.client(server, ca_file=os.path.join(TLS, "other-ca.pem"), retry_backoff=(0.005, 0.01))
        verdict = client.score(PNG_MAGIC)
        self.assertEqual(("BLOCK", ErrorCode.CONNECTION_FAILED), (verdict.decision, verdict.error))
        self.assertTrue(server.hellos.empty(), "no HELLO may reach a server the client does not trust")

    def test_close_ends_a_call_in_progress_as_a_block(self):
        server = self.start()
        client = self.client(server)
        call = self.in_thread(lambda: client.score(PNG_MAGIC, timeout=WAIT))
        server.next_score()
        client.close()
        verdict = call()
        self.assertEqual(("BLOCK", True, ErrorCode.CLIENT_CLOSED), (verdict.decision, verdict.failed_closed, verdict.error))

    def test_refuses_arguments_no_server_could_take(self):
        server = self.start()
        client = self.client(server)
        with self.assertRaises(TypeError):
            client.score("not bytes")
        with self.assertRaises(ValueError):
            client.score(b"")
        with self.assertRaises(ValueError):
            client.score(PNG_MAGIC, timeout=0)
        client.close()
        with self.assertRaises(RuntimeError):
            client.score(PNG_MAGIC)


class AsyncClientTest(ServerCase, unittest.IsolatedAsyncioTestCase):
    async def client(self, server: FakeServer, **options) -> AsyncVigilClient:
        client = AsyncVigilClient(server.address, **options)
        self.addAsyncCleanup(client.close)
        return client

    async def next_score(self, server: FakeServer):
        return await asyncio.get_running_loop().run_in_executor(None, server.next_score)

    async def test_pipelines_concurrent_calls_on_one_connection_answered_in_any_order(self):
        server = self.start()
        client = await self.client(server)
        names = [f"image-{i}" for i in range(8)]
        calls = [asyncio.ensure_future(client.score(name.encode())) for name in names]
        received = [await self.next_score(server) for _ in names]  # all in flight before any answer
        self.assertEqual({1}, {s.connection for s in received})
        self.assertEqual(8, len({s.request_id for s in received}))
        random.Random(7).shuffle(received)
        for s in received:
            if s.image_text.endswith(("0", "2", "4", "6")):
                s.allow(s.image_text)
            else:
                s.verdict(2, False, {"rule": "sexual", "reason": s.image_text})
        verdicts = await asyncio.gather(*calls)
        self.assertEqual(names, [v.reason for v in verdicts])
        self.assertEqual(["ALLOW", "BLOCK"] * 4, [v.decision for v in verdicts])
        self.assertEqual(8, server.max_in_flight_seen)
        self.assertEqual(1, server.hellos.qsize())

    async def test_connection_loss_fails_every_call_in_flight_closed(self):
        server = self.start()
        client = await self.client(server, max_attempts=1)
        calls = [asyncio.ensure_future(client.score(PNG_MAGIC)) for _ in range(3)]
        first = await self.next_score(server)
        for _ in range(2):
            await self.next_score(server)
        first.close_connection()
        for verdict in await asyncio.gather(*calls):
            self.assertEqual(("BLOCK", True, ErrorCode.CONNECTION_FAILED),
                             (verdict.decision, verdict.failed_closed, verdict.error))

    async def test_calls_lost_with_a_connection_are_sent_again(self):
        server = self.start()
        client = await self.client(server)
        calls = [asyncio.ensure_future(client.score(f"{i}".encode())) for i in range(3)]
        first = [await self.next_score(server) for _ in range(3)]
        first[0].close_connection()
        again = [await self.next_score(server) for _ in range(3)]
        self.assertEqual({2}, {s.connection for s in again}, "the three share one new connection")
        for s in again:
            s.allow(s.image_text)
        self.assertEqual(["0", "1", "2"], [v.reason for v in await asyncio.gather(*calls)])
        self.assertEqual(2, server.hellos.qsize())

    async def test_timeout_is_a_fail_closed_block_and_cancels_the_request(self):
        server = self.start()
        client = await self.client(server)
        call = asyncio.ensure_future(client.score(PNG_MAGIC, timeout=0.3))
        score = await self.next_score(server)
        verdict = await call
        self.assertEqual(("BLOCK", True, ErrorCode.TIMEOUT), (verdict.decision, verdict.failed_closed, verdict.error))
        cancel = await asyncio.get_running_loop().run_in_executor(None, lambda: server.cancels.get(timeout=WAIT))
        self.assertEqual((score.connection, score.request_id), cancel)

    async def test_cancelling_the_caller_cancels_the_request(self):
        server = self.start()
        client = await self.client(server)
        call = asyncio.ensure_future(client.score(PNG_MAGIC))
        score = await self.next_score(server)
        call.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await call
        cancel = await asyncio.get_running_loop().run_in_executor(None, lambda: server.cancels.get(timeout=WAIT))
        self.assertEqual((score.connection, score.request_id), cancel)

    async def test_overloaded_is_retried_and_others_are_not(self):
        server = self.start()
        client = await self.client(server)
        call = asyncio.ensure_future(client.score(PNG_MAGIC))
        (await self.next_score(server)).error(6, True, "busy")
        (await self.next_score(server)).allow("second try")
        self.assertEqual("second try", (await call).reason)
        call = asyncio.ensure_future(client.score(PNG_MAGIC))
        (await self.next_score(server)).error(10, False, "cancelled")
        verdict = await call
        self.assertEqual(("BLOCK", ErrorCode.CANCELLED), (verdict.decision, verdict.error))
        self.assertTrue(server.scores.empty())

    async def test_surface_errors_raises_instead(self):
        server = self.start()
        client = await self.client(server, surface_errors=True, max_attempts=2)
        call = asyncio.ensure_future(client.score(PNG_MAGIC))
        (await self.next_score(server)).error(8, True, "draining")
        (await self.next_score(server)).error(8, True, "still draining")
        with self.assertRaises(VigilError) as caught:
            await call
        self.assertEqual((ErrorCode.SHUTTING_DOWN, True), (caught.exception.code, caught.exception.retryable))
        self.assertEqual("SHUTTING_DOWN: still draining (attempt 2 of at most 2)", str(caught.exception))

    async def test_unauthenticated_is_a_block_and_not_retried(self):
        server = self.start(token="secret")
        client = await self.client(server, token="wrong")
        verdict = await client.score(PNG_MAGIC)
        self.assertEqual(("BLOCK", True, ErrorCode.UNAUTHENTICATED),
                         (verdict.decision, verdict.failed_closed, verdict.error))
        self.assertEqual(1, server.hellos.qsize())

    async def test_keeps_within_the_servers_max_in_flight(self):
        server = self.start(max_in_flight=2)
        client = await self.client(server)
        calls = [asyncio.ensure_future(client.score(PNG_MAGIC)) for _ in range(5)]
        first_two = [await self.next_score(server) for _ in range(2)]  # both in flight, unanswered
        for score in first_two:
            score.allow("ok")
        for _ in range(3):
            (await self.next_score(server)).allow("ok")
        self.assertEqual(["ALLOW"] * 5, [v.decision for v in await asyncio.gather(*calls)])
        self.assertEqual(2, server.max_in_flight_seen, "never more than max_in_flight at once")

    async def test_goaway_lets_calls_in_flight_finish_and_moves_new_ones(self):
        server = self.start()
        client = await self.client(server)
        before = asyncio.ensure_future(client.score(b"before"))
        old = await self.next_score(server)
        server.go_away(old.connection, "draining")
        server.ping(old.connection, 0, 5)  # frames are handled in order: the PONG means GOAWAY was seen
        pong = await asyncio.get_running_loop().run_in_executor(None, lambda: server.pongs.get(timeout=WAIT))
        self.assertEqual((old.connection, 0, 5), pong)
        after = asyncio.ensure_future(client.score(b"after"))
        fresh = await self.next_score(server)
        self.assertNotEqual(old.connection, fresh.connection)
        old.allow("old")
        fresh.allow("new")
        self.assertEqual(["old", "new"], [(await before).reason, (await after).reason])

    async def test_close_ends_calls_in_flight_as_blocks(self):
        server = self.start()
        client = await self.client(server)
        calls = [asyncio.ensure_future(client.score(PNG_MAGIC, timeout=WAIT)) for _ in range(2)]
        for _ in calls:
            await self.next_score(server)
        await client.close()
        for verdict in await asyncio.gather(*calls):
            self.assertEqual(("BLOCK", ErrorCode.CLIENT_CLOSED), (verdict.decision, verdict.error))
        with self.assertRaises(RuntimeError):
            await client.score(PNG_MAGIC)

    async def test_raw_pixels_unix_socket_and_tls(self):
        directory = tempfile.mkdtemp()
        path = os.path.join(directory, "vigil.sock")
        self.addCleanup(lambda: (os.path.exists(path) and os.unlink(path), os.rmdir(directory)))
        server = self.start(unix_path=path, ssl_context=self.tls_server_context())
        client = await self.client(server, ca_file=os.path.join(TLS, "ca.pem"))
        call = asyncio.ensure_future(client.score(RawImage.packed(bytes(range(12)), 2, 2, "RGB"), policy="strict"))
        score = await self.next_score(server)
        self.assertEqual(h("0006 737472696374 02 01 00000002 00000002 00000006 0000000c 000102030405060708090a0b 00"),
                         score.payload[4:])
        score.allow("ok")
        self.assertEqual("ALLOW", (await call).decision)


class ExampleTest(ServerCase, unittest.TestCase):
    """examples/diffusion_backend.py returns allowed images and withholds the rest."""

    def test_returns_only_allowed_images(self):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
        import diffusion_backend
        import threading

        server = self.start()
        client = VigilClient(server.address)
        self.addCleanup(client.close)
        generator = diffusion_backend.CheckedGenerator(client)
        results = []

        def run():
            results.append(generator.generate("a lighthouse"))
            try:
                generator.generate("something else", edit_of=PNG_MAGIC)
            except diffusion_backend.Withheld as withheld:
                results.append(withheld.verdict)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        first = server.next_score()
        self.assertEqual(256 * 256 * 3, len(first.image), "scored as raw RGB pixels")
        self.assertEqual("strict", first.policy)
        first.allow()
        second = server.next_score()
        self.assertTrue(second.payload.endswith(b"\x01\x01" + struct.pack(">I", len(PNG_MAGIC)) + PNG_MAGIC),
                        "the edited photo goes along as the source image")
        second.verdict(2, False, {"rule": "source_match", "reason": "same person, suggestive"})
        thread.join(WAIT)
        self.assertTrue(results[0].startswith(PNG_MAGIC))
        self.assertEqual(("BLOCK", "same person, suggestive"), (results[1].decision, results[1].reason))


def _verdict_frame(request_id: int, decision: int) -> bytes:
    return struct.pack(">IBBHQBBI", 12 + 6, 0x11, 0, 0, request_id, decision, 0, 0)


def _error_frame(request_id: int, code: int, retryable: bool, message: str) -> bytes:
    text = message.encode()
    return struct.pack(">IBBHQHBH", 12 + 5 + len(text), 0x12, 0, 0, request_id, code, int(retryable), len(text)) + text


REAL_ADDRESS = os.environ.get("VIGIL_TEST_ADDRESS")
REAL_PHOTO = os.environ.get("VIGIL_TEST_PHOTO")
REAL_TOKEN = os.environ.get("VIGIL_TEST_TOKEN", "")
REAL_TIMEOUT = float(os.environ.get("VIGIL_TEST_TIMEOUT", "60"))


@unittest.skipUnless(REAL_ADDRESS and REAL_PHOTO, "set VIGIL_TEST_ADDRESS (host:port or unix:/path) and "
                                                  "VIGIL_TEST_PHOTO (a PNG) to test against a real server")
class RealServerTest(unittest.TestCase):
    """Both clients against a running Vigil server. The decision depends on the server's models
    and policy, so these assert that the server answered, and answered as the protocol says."""

    @classmethod
    def setUpClass(cls):
        with open(REAL_PHOTO, "rb") as f:
            cls.photo = f.read()

    def assert_server_verdict(self, verdict: Verdict):
        self.assertIsNone(verdict.error, f"no verdict from the server: {verdict.reason}")
        self.assertIn(verdict.decision, ("ALLOW", "REVIEW", "BLOCK"))
        self.assertEqual(verdict.decision, verdict.details.get("decision", verdict.decision),
                         "the JSON decision disagrees with the decision byte")

    def test_scores_a_photo(self):
        with VigilClient(REAL_ADDRESS, token=REAL_TOKEN, timeout=REAL_TIMEOUT) as client:
            self.assert_server_verdict(client.score(self.photo))
            self.assert_server_verdict(client.score(self.photo, source=self.photo))

    def test_scores_raw_pixels(self):
        width, height = 64, 48
        pixels = bytes((x * 4 + y) % 256 for y in range(height) for x in range(width) for _ in range(3))
        with VigilClient(REAL_ADDRESS, token=REAL_TOKEN, timeout=REAL_TIMEOUT) as client:
            self.assert_server_verdict(client.score(RawImage.packed(pixels, width, height, "RGB")))

    def test_unknown_policy_is_a_bad_request_block(self):
        with VigilClient(REAL_ADDRESS, token=REAL_TOKEN, timeout=REAL_TIMEOUT) as client:
            verdict = client.score(self.photo, policy="no-such-policy-for-vigil-tests")
        self.assertEqual(("BLOCK", True, ErrorCode.BAD_REQUEST), (verdict.decision, verdict.failed_closed, verdict.error))

    def test_pipelines_concurrent_calls(self):
        async def run():
            async with AsyncVigilClient(REAL_ADDRESS, token=REAL_TOKEN, timeout=REAL_TIMEOUT) as client:
                return await asyncio.gather(*(client.score(self.photo) for _ in range(8)))

        for verdict in asyncio.run(run()):
            self.assert_server_verdict(verdict)

    @unittest.skipUnless(os.environ.get("VIGIL_TEST_AUDITED"), "the server keeps no audit log (VIGIL_TEST_AUDITED unset)")
    def test_asks_for_the_verdicts_receipt(self):
        with VigilClient(REAL_ADDRESS, token=REAL_TOKEN, timeout=REAL_TIMEOUT) as client:
            verdict = client.score(self.photo, receipt=True)
        self.assert_server_verdict(verdict)
        receipt = verdict.details["receipt"]
        self.assertEqual("vigil-audit-receipt/v1", receipt["format"])
        self.assertGreater(receipt["checkpoint"]["size"], receipt["index"])

        async def run():
            async with AsyncVigilClient(REAL_ADDRESS, token=REAL_TOKEN, timeout=REAL_TIMEOUT) as client:
                return await client.score(self.photo, receipt=True)

        self.assertEqual("vigil-audit-receipt/v1", asyncio.run(run()).details["receipt"]["format"])

    @unittest.skipUnless(REAL_TOKEN, "the server requires no token (VIGIL_TEST_TOKEN unset)")
    def test_wrong_token_is_unauthenticated(self):
        with VigilClient(REAL_ADDRESS, token=REAL_TOKEN + "-wrong", timeout=REAL_TIMEOUT) as client:
            self.assertEqual(ErrorCode.UNAUTHENTICATED, client.score(self.photo).error)


if __name__ == "__main__":
    unittest.main()
