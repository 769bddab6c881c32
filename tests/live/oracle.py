#!/usr/bin/env python3
"""Live conformance: run scenarios through a real RabbitMQ (pika) and through
`switchyard replay --profile rabbitmq-3.10`, and compare what both answered.

A scenario is a list of runner ops (the JSON-lines protocol of `switchyard replay`). Some ops
are templates that only the live run can make concrete (a delivery tag to ack); the executor
resolves them against the real broker, and the concrete op list is then replayed by the runner.

Compared per op: errors (code and text), publisher confirms (ack/nack), returns (mandatory),
`get` answers (message fields and headers; x-death `time` ignored), and, for cases whose queues
have no limits/TTL, the set of queues that received a copy (measured on the broker as the change
in each queue's message count). At the end of every case each queue is drained with basic.get
and compared, when the runner supports `get`.

Usage (normally through tests/live/run.sh): oracle.py --port P --switchyard BIN [--seed N]
[--cases K] [--only hand|random] [--case ID] [--verbose] [--show ID]
"""

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import pika
import pika.exceptions as pex

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios  # noqa: E402

PROFILE = "rabbitmq-3.10"


def _install_value_encoding():
    """Encodes header and argument values as the runner maps JSON: integer -> long ('l'),
    other number -> double ('d'). pika itself sends 32-bit 'I' and cannot send floats; it also
    decodes doubles wrongly (below)."""
    import struct

    import pika.data as data

    original = data.encode_value

    def encode_value(pieces, value):
        if isinstance(value, bool):
            return original(pieces, value)
        if isinstance(value, int):
            pieces.append(struct.pack(">cq", b"l", value))
            return 9
        if isinstance(value, float):
            pieces.append(struct.pack(">cd", b"d", value))
            return 9
        if isinstance(value, dict):
            pieces.append(struct.pack(">c", b"F"))
            return 1 + data.encode_table(pieces, value)
        if isinstance(value, list):
            inner = []
            for item in value:
                encode_value(inner, item)
            piece = b"".join(inner)
            pieces.append(struct.pack(">cI", b"A", len(piece)))
            pieces.append(piece)
            return 5 + len(piece)
        return original(pieces, value)

    data.encode_value = encode_value

    # pika's decoder turns doubles and floats into integers and reads 'l' as unsigned.
    original_decode = data.decode_value

    def decode_value(encoded, offset):
        kind = encoded[offset:offset + 1]
        if kind == b"d":
            return struct.unpack_from(">d", encoded, offset + 1)[0], offset + 9
        if kind == b"f":
            return struct.unpack_from(">f", encoded, offset + 1)[0], offset + 5
        if kind == b"l":
            return struct.unpack_from(">q", encoded, offset + 1)[0], offset + 9
        return original_decode(encoded, offset)

    data.decode_value = decode_value


_install_value_encoding()
OPTIONAL_OPS = {
    "get": {"op": "get", "queue": "live-probe-missing", "ack": "auto"},
    "ack": {"op": "ack", "delivery_tag": 1, "multiple": False},
    "nack": {"op": "nack", "delivery_tag": 1, "multiple": False, "requeue": True},
    "reject": {"op": "reject", "delivery_tag": 1, "requeue": True},
    "advance": {"op": "advance", "ms": 0},
    "purge": {"op": "purge", "queue": "live-probe-missing"},
    "dump": {"op": "dump"},
    "consume": {"op": "consume", "queue": "live-probe-missing", "consumer_tag": "c", "prefetch": 0, "ack": "manual"},
    "cancel": {"op": "cancel", "consumer_tag": "c"},
    "close": {"op": "close"},
    "restart": {"op": "restart"},
}


# ----------------------------------------------------------------------------------------------
# The runner


def run_runner(binary, ops, workdir, definitions=None):
    """Replays `ops`; returns (list of op outputs, each with its events, stderr, exit code)."""
    path = os.path.join(workdir, "ops.jsonl")
    with open(path, "w") as f:
        for op in ops:
            f.write(json.dumps(op) + "\n")
    extra = ["--definitions", definitions] if definitions else []
    proc = subprocess.run(
        [binary, "replay", "--profile", PROFILE, "--ops", path] + extra,
        capture_output=True,
        text=True,
        timeout=60,
    )
    outputs = []
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if "event" in obj and "op" not in obj:
            if outputs:
                outputs[-1].setdefault("_events", []).append(obj)
            continue
        outputs.append(obj)
    return outputs, proc.stderr.strip(), proc.returncode


def probe_capabilities(binary, workdir):
    caps = set()
    for name, op in OPTIONAL_OPS.items():
        try:
            outputs, err, code = run_runner(binary, [op], workdir)
        except (OSError, subprocess.SubprocessError, ValueError):
            continue
        if code == 0 and len(outputs) == 1:
            caps.add(name)
    return caps


# ----------------------------------------------------------------------------------------------
# Normalisation


def norm_value(v):
    """A header value as comparable JSON-ish data."""
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            return {"bytes": v.hex()}
    if isinstance(v, datetime.datetime):
        return {"timestamp": int(v.replace(tzinfo=datetime.timezone.utc).timestamp())}
    if isinstance(v, dict):
        return {str(k): norm_value(x) for k, x in sorted(v.items())}
    if isinstance(v, (list, tuple)):
        return [norm_value(x) for x in v]
    if hasattr(v, "__float__") and not isinstance(v, (bool, int, float)):
        return float(v)
    if isinstance(v, int) and not isinstance(v, bool) and v >= 2**63:
        return v - 2**64  # pika reads the signed 64-bit 'l' as unsigned
    return v


def norm_headers(h):
    if not h:
        return {}
    h = norm_value(h)
    deaths = h.get("x-death")
    if isinstance(deaths, list):
        h["x-death"] = [
            {k: x for k, x in d.items() if k != "time"} if isinstance(d, dict) else d for d in deaths
        ]
    return h


def canon_message(m):
    """The compared fields of a message, from either side's JSON form."""
    if m is None:
        return None
    props = m.get("properties") or {}
    out = {
        "body": m.get("body"),
        "exchange": m.get("exchange"),
        "routing_key": m.get("routing_key"),
        "redelivered": m.get("redelivered"),
        "delivery_tag": m.get("delivery_tag"),
        "message_id": m.get("message_id", props.get("message_id")),
        "headers": norm_headers(props.get("headers")),
    }
    for key in ("expiration", "priority", "delivery_mode", "content_type", "content_encoding",
                "correlation_id", "reply_to", "type", "app_id", "user_id", "timestamp"):
        out[key] = props.get(key)
    return out


def comparable(op, result, check_queues):
    """What is compared of one op's output, with the deliveries to consumers it caused."""
    out = comparable_line(op, result, check_queues)
    events = [e for e in result.get("_events", []) if e.get("event") == "deliver"]
    if events:
        out["deliveries"] = [{"consumer_tag": e.get("consumer_tag"), "message": canon_message(e.get("message"))}
                             for e in events]
    return out


def comparable_line(op, result, check_queues):
    name = op["op"]
    if "error" in result and result["error"] is not None:
        text = None if IGNORE_ERROR_TEXT else result["error"].get("text")
        return {"error": {"code": result["error"].get("code"), "text": text}}
    if name == "publish":
        out = {"confirm": result.get("confirm"), "returned": result.get("returned")}
        if check_queues:
            out["queues"] = sorted(result.get("queues") or [])
        return out
    if name == "get":
        msg = result.get("message")
        out = {"message": canon_message(msg)}
        if msg is not None:
            out["message_count"] = result.get("message_count")
        return out
    return {"ok": True}


def mismatch_kind(op, a, b):
    """A short label for the kind of disagreement, for the per-kind counts."""
    name = op["op"]
    if ("error" in a) != ("error" in b):
        return f"{name}: error vs success"
    if "error" in a:
        if a["error"]["code"] != b["error"]["code"]:
            return f"{name}: error code"
        return f"{name}: error text only"
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return f"{name}: {'/'.join(keys)}"


def diff_summary(a, b, path=""):
    """The first few differing paths of two JSON values."""
    diffs = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                diffs.append(f"{path}/{k}: only switchyard has it")
            elif k not in b:
                diffs.append(f"{path}/{k}: only RabbitMQ has it")
            else:
                diffs.extend(diff_summary(a[k], b[k], f"{path}/{k}"))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diffs.extend(diff_summary(x, y, f"{path}[{i}]"))
    elif a != b:
        diffs.append(f"{path or '/'}: RabbitMQ {json.dumps(a)} vs switchyard {json.dumps(b)}")
    return diffs


# ----------------------------------------------------------------------------------------------
# The live broker


class Live:
    """One connection and one confirm-mode channel per case; a channel error opens a new one."""

    def __init__(self, port, pump_ms=30):
        self.port = port
        self.conn = None
        self.ch = None
        self.pump_s = pump_ms / 1000.0
        self.consumers = {}  # consumer tag -> manual ack?
        self.delivered = []  # (consumer tag, method, properties, body) not yet reported
        self.open()

    def open(self):
        params = pika.ConnectionParameters(
            host="127.0.0.1", port=self.port, heartbeat=0, blocked_connection_timeout=30,
            connection_attempts=3, retry_delay=0.5,
        )
        self.conn = pika.BlockingConnection(params)
        self.new_channel()

    def new_channel(self):
        self.consumers = {}
        self.delivered = []
        if self.conn is None or not self.conn.is_open:
            self.conn = None
            self.open()
            return
        self.ch = self.conn.channel()
        self.ch.confirm_delivery()

    def on_deliver(self, _ch, method, props, body):
        self.delivered.append((method.consumer_tag, method, props, body))

    def pump(self):
        """Waits a little for deliveries to consumers and returns them as deliver events."""
        if self.consumers:
            # process_data_events returns as soon as anything arrived, so keep pumping until
            # nothing more came for pump_s (at most 1 s).
            start = last = time.monotonic()
            seen = len(self.delivered)
            while True:
                self.conn.process_data_events(time_limit=0.005)
                now = time.monotonic()
                if len(self.delivered) != seen:
                    seen, last = len(self.delivered), now
                if now - last >= self.pump_s or now - start >= 1.0:
                    break
        events = [{"event": "deliver", "consumer_tag": tag, "message": message_json(m, p, b)}
                  for tag, m, p, b in self.delivered]
        self.delivered = []
        return events

    def close(self):
        try:
            if self.conn is not None and self.conn.is_open:
                self.conn.close()
        except Exception:  # noqa: BLE001 - best effort at the end of a case
            pass

    def sync(self):
        """A round trip, so an asynchronous method's channel error shows now."""
        self.ch.exchange_declare("amq.fanout", exchange_type="fanout", passive=True)

    def queue_count(self, name):
        return self.ch.queue_declare(name, passive=True).method.message_count

    def execute(self, op):
        """Runs one concrete op; returns its output in the runner's JSON form."""
        name = op["op"]
        try:
            answer = self._execute(op)
            events = self.pump()
            if events:
                answer["_events"] = events
            return answer
        except pex.ChannelClosedByBroker as e:
            self.new_channel()
            return {"op": name, "error": {"code": e.reply_code, "text": e.reply_text}}
        except pex.ConnectionClosedByBroker as e:
            self.conn = None
            self.open()
            return {"op": name, "error": {"code": e.reply_code, "text": e.reply_text}}

    def _execute(self, op):
        name = op["op"]
        ch = self.ch
        args = op.get("arguments") or {}
        if name == "declare_exchange":
            ch.exchange_declare(
                op["name"], exchange_type=op["type"], durable=op.get("durable", True),
                auto_delete=op.get("auto_delete", False), internal=op.get("internal", False),
                arguments=args,
            )
        elif name == "declare_queue":
            ch.queue_declare(
                op["name"], durable=op.get("durable", True), exclusive=op.get("exclusive", False),
                auto_delete=op.get("auto_delete", False), arguments=args,
            )
        elif name in ("bind", "unbind"):
            key = op.get("routing_key", "")
            if op.get("destination_type", "queue") == "queue":
                fn = ch.queue_bind if name == "bind" else ch.queue_unbind
                fn(op["destination"], op["source"], routing_key=key, arguments=args)
            else:
                fn = ch.exchange_bind if name == "bind" else ch.exchange_unbind
                fn(op["destination"], op["source"], routing_key=key, arguments=args)
        elif name == "delete_exchange":
            ch.exchange_delete(op["name"], if_unused=op.get("if_unused", False))
        elif name == "delete_queue":
            ch.queue_delete(op["name"])
        elif name == "purge":
            n = ch.queue_purge(op["queue"]).method.message_count
            return {"op": name, "message_count": n}
        elif name == "publish":
            return self._publish(op)
        elif name == "get":
            method, props, body = ch.basic_get(op["queue"], auto_ack=op.get("ack") == "auto")
            if method is None:
                return {"op": "get", "message": None}
            return {"op": "get", "message": message_json(method, props, body),
                    "message_count": method.message_count}
        elif name == "ack":
            ch.basic_ack(op["delivery_tag"], multiple=op.get("multiple", False))
            self.sync()
        elif name == "nack":
            ch.basic_nack(op["delivery_tag"], multiple=op.get("multiple", False),
                          requeue=op.get("requeue", True))
            self.sync()
        elif name == "reject":
            ch.basic_reject(op["delivery_tag"], requeue=op.get("requeue", True))
            self.sync()
        elif name == "advance":
            time.sleep(op["ms"] / 1000.0)
        elif name == "consume":
            manual = op.get("ack", "manual") != "auto"
            ch.basic_qos(prefetch_count=op.get("prefetch") or 0)
            args = {"x-priority": op["priority"]} if op.get("priority") else None
            ch.basic_consume(op["queue"], self.on_deliver, auto_ack=not manual,
                             exclusive=op.get("exclusive", False), consumer_tag=op["consumer_tag"],
                             arguments=args)
            self.consumers[op["consumer_tag"]] = manual
        elif name == "cancel":
            self.conn.process_data_events(time_limit=0)
            pending = ch.basic_cancel(op["consumer_tag"]) or []
            for _ch, m, p, b in pending:
                self.delivered.append((m.consumer_tag, m, p, b))
            self.consumers.pop(op["consumer_tag"], None)
        elif name == "restart":
            self.close()
            ctl = os.environ.get("RABBITMQCTL", "/usr/lib/rabbitmq/bin/rabbitmqctl")
            for action in ("stop_app", "start_app"):
                subprocess.run([ctl, action], capture_output=True, text=True, timeout=120, check=True)
            self.conn = None
            self.open()
            self.consumers = {}
            self.delivered = []
        elif name == "close":
            self.conn.process_data_events(time_limit=0)
            ch.close()
            self.new_channel()
        else:
            raise ValueError(f"the live executor has no op {name}")
        return {"op": name}

    def _publish(self, op):
        p = op.get("properties") or {}
        props = pika.BasicProperties(
            message_id=p.get("message_id"), headers=p.get("headers"), expiration=p.get("expiration"),
            priority=p.get("priority"), delivery_mode=p.get("delivery_mode"),
            content_type=p.get("content_type"), correlation_id=p.get("correlation_id"),
            reply_to=p.get("reply_to"), timestamp=p.get("timestamp"), type=p.get("type"),
            app_id=p.get("app_id"), user_id=p.get("user_id"), content_encoding=p.get("content_encoding"),
        )
        out = {"op": "publish", "confirm": "ack", "returned": False}
        try:
            self.ch.basic_publish(op.get("exchange", ""), op.get("routing_key", ""),
                                  (op.get("body") or "").encode(), properties=props,
                                  mandatory=op.get("mandatory", False))
        except pex.UnroutableError:
            out["returned"] = True
        except pex.NackError as e:
            out["confirm"] = "nack"
            out["returned"] = bool(getattr(e, "messages", None))
        return out


def message_json(method, props, body):
    properties = {}
    for key in ("message_id", "expiration", "priority", "delivery_mode", "content_type",
                "content_encoding", "correlation_id", "reply_to", "type", "app_id", "user_id",
                "timestamp"):
        val = getattr(props, key, None)
        if val is not None:
            properties[key] = val
    if props.headers is not None:
        properties["headers"] = norm_value(props.headers)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.hex()
    return {
        "delivery_tag": method.delivery_tag, "message_id": props.message_id,
        "exchange": method.exchange, "routing_key": method.routing_key,
        "redelivered": method.redelivered, "body": text, "properties": properties,
    }


# ----------------------------------------------------------------------------------------------
# Running one case


class CaseResult:
    def __init__(self, case):
        self.case = case
        self.mismatches = []  # (index, op, broker answer, switchyard answer, diffs, kind)
        self.harness_error = None
        self.compared = 0
        self.notes = []
        self.drift_ms = 0.0  # how far the live side fell behind the case's virtual time at worst

    @property
    def ok(self):
        return not self.mismatches and self.harness_error is None


def resolve(op, state, rng):
    """Makes a template op concrete, or None to leave it out."""
    op = dict(op)
    tag = op.get("delivery_tag")
    if tag == "$stale":
        # A tag the channel never handed out (or already settled): a 406 that closes the channel.
        op["delivery_tag"] = max(state["outstanding"] | {0}) + 7
        return op
    if tag == "$all":
        op["delivery_tag"] = 0  # with multiple: everything unacknowledged
        op["multiple"] = True
        return op
    if isinstance(tag, str):
        outstanding = sorted(state["outstanding"])
        if not outstanding:
            return None
        if tag == "$last":
            op["delivery_tag"] = outstanding[-1]
        elif tag == "$first":
            op["delivery_tag"] = outstanding[0]
        else:
            op["delivery_tag"] = rng.choice(outstanding)
    return op


def settle(op, state):
    """Keeps the set of unacknowledged delivery tags up to date after an op succeeded."""
    name = op["op"]
    if name in ("ack", "nack", "reject"):
        tag = op["delivery_tag"]
        if op.get("multiple") and name != "reject" and tag == 0:
            state["outstanding"] = set()
        elif op.get("multiple") and name != "reject":
            state["outstanding"] = {t for t in state["outstanding"] if t > tag}
        else:
            state["outstanding"].discard(tag)


def install_policies(workdir):
    """Gives the broker the policies of scenarios.POLICIES; returns the definitions file."""
    path = os.path.join(workdir, "policies.json")
    with open(path, "w") as f:
        json.dump({"policies": scenarios.POLICIES}, f, indent=1)
    ctl = os.environ.get("RABBITMQCTL", "/usr/lib/rabbitmq/bin/rabbitmqctl")
    proc = subprocess.run([ctl, "import_definitions", path], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"rabbitmqctl import_definitions failed: {proc.stdout} {proc.stderr}")
    return path


IGNORE_ERROR_TEXT = False


def run_case(case, live_port, binary, caps, workdir, settle_ms, definitions=None):
    res = CaseResult(case)
    settle_ms = max(settle_ms, case.get("settle_ms", 0))
    rng = random.Random(f"resolve:{case['id']}")
    live = Live(live_port)
    concrete, answers, check_flags = [], [], []
    state = {"outstanding": set(), "existing_queues": set(), "manual_tags": set()}
    queues_in_case = []
    check_queues = case.get("check_queues", False)
    dirty = False
    # Time: the runner's clock moves only on `advance`; the broker's moves on the wall clock.
    # From the first publish on (when a message's TTL can start), `lag` is how far the wall
    # clock is ahead of virtual time. An advance sleeps until the wall clock is `anchor` ahead
    # again, so op latencies and settling pauses do not add up, and `drift` (lag - anchor) at
    # each later op says how far the broker's view of time strayed: `res.drift_ms` is the worst.
    # Drift is counted up to the op after the last advance: later ops are far from any TTL.
    started = time.monotonic()
    virtual_ms = 0
    anchor = None
    advances = [i for i, op in enumerate(case["ops"]) if op["op"] == "advance"]
    timed_until = advances[-1] + 1 if advances else -1
    try:
        for index, template in enumerate(case["ops"]):
            op = resolve(template, state, rng)
            if op is None:
                continue
            name = op["op"]
            if name in OPTIONAL_OPS and name not in caps:
                res.notes.append(f"{name} skipped: the runner has no `{name}` op yet")
                continue
            if name == "get" and dirty and settle_ms:
                time.sleep(settle_ms / 1000.0)
                dirty = False
            lag = (time.monotonic() - started) * 1000.0 - virtual_ms
            if anchor is None and name == "publish":
                anchor = lag
            if anchor is not None and index <= timed_until:
                res.drift_ms = max(res.drift_ms, lag - anchor)
            if name == "advance":
                target = op["ms"] - (lag - anchor) if anchor is not None else op["ms"]
                live_op = dict(op, ms=max(0.0, target))
                virtual_ms += op["ms"]
            else:
                live_op = op
            measure = check_queues and name == "publish"
            before = {}
            if measure:
                before = {q: live.queue_count(q) for q in sorted(state["existing_queues"])}
            answer = live.execute(live_op)
            if measure and "error" not in answer:
                after = {q: live.queue_count(q) for q in sorted(state["existing_queues"])}
                answer["queues"] = sorted(q for q in after if after[q] > before.get(q, 0))
            if "error" not in answer:
                if name == "declare_queue":
                    state["existing_queues"].add(op["name"])
                    if op["name"] not in queues_in_case:
                        queues_in_case.append(op["name"])
                elif name == "delete_queue":
                    state["existing_queues"].discard(op["name"])
                elif name == "get" and answer.get("message") and op.get("ack") == "manual":
                    state["outstanding"].add(answer["message"]["delivery_tag"])
                settle(op, state)
            else:
                # A channel error requeued every unacknowledged message on the broker.
                state["outstanding"] = set()
            if name in ("close", "restart"):
                state["outstanding"] = set()
            for event in answer.get("_events", []):
                if live.consumers.get(event["consumer_tag"], False) or event["consumer_tag"] in state["manual_tags"]:
                    state["outstanding"].add(event["message"]["delivery_tag"])
            if name == "consume" and "error" not in answer and op.get("ack", "manual") != "auto":
                state["manual_tags"].add(op["consumer_tag"])
            if name in ("publish", "nack", "reject", "advance"):
                dirty = True
            concrete.append(op)
            answers.append(answer)
            check_flags.append(measure)
        # Final contents: cancel the consumers, then drain every queue the case declared.
        for tag in sorted(live.consumers):
            op = {"op": "cancel", "consumer_tag": tag}
            answer = live.execute(op)
            concrete.append(op)
            answers.append(answer)
            check_flags.append(False)
        if "get" in caps:
            if dirty and settle_ms:
                time.sleep(settle_ms / 1000.0)
            for q in queues_in_case:
                if q not in state["existing_queues"]:
                    continue
                for _ in range(scenarios.MAX_DRAIN):
                    op = {"op": "get", "queue": q, "ack": "auto"}
                    answer = live.execute(op)
                    concrete.append(op)
                    answers.append(answer)
                    check_flags.append(False)
                    if "error" in answer or answer.get("message") is None:
                        break
        else:
            res.notes.append("final queue contents skipped: the runner has no `get` op yet")
    except Exception as e:  # noqa: BLE001 - reported as a harness error of this case
        res.harness_error = f"live broker: {type(e).__name__}: {e}"
        return res
    finally:
        cleanup_live(live, case)
    res.ops = concrete
    res.answers = answers
    try:
        outputs, err, code = run_runner(binary, concrete, workdir,
                                        definitions if case.get("definitions") else None)
    except Exception as e:  # noqa: BLE001
        res.harness_error = f"runner: {type(e).__name__}: {e}"
        return res
    if code != 0:
        res.harness_error = f"runner exited {code}: {err}"
        return res
    if len(outputs) != len(concrete):
        res.harness_error = f"runner printed {len(outputs)} op lines for {len(concrete)} ops"
        return res
    res.outputs = outputs
    for i, (op, answer, output, flag) in enumerate(zip(concrete, answers, outputs, check_flags)):
        a = comparable(op, answer, flag)
        b = comparable(op, output, flag)
        res.compared += 1
        if a != b:
            res.mismatches.append((i, op, answer, output, diff_summary(a, b), mismatch_kind(op, a, b)))
    return res


# A timed case (one with `advance`) is judged only if the broker kept to its virtual time: at no
# op after the first publish did the wall clock stray more than this from it. The scenarios keep
# every TTL at least ~100 ms from the advance that crosses it, so this leaves a margin.
DRIFT_LIMIT_MS = 60
TIMED_ATTEMPTS = 3


def run_case_timed(case, *args):
    """Runs a case; a timed case that mismatched while the broker fell behind is run again."""
    timed = any(op["op"] == "advance" for op in case["ops"])
    for attempt in range(TIMED_ATTEMPTS):
        res = run_case(case, *args)
        res.retries = attempt
        res.unjudged = False
        if res.ok or not timed or res.drift_ms <= DRIFT_LIMIT_MS:
            return res
    res.unjudged = True
    return res


def report_unjudged(res):
    case = res.case
    print(f"UNJUDGED {case['id']} ({case['category']}): the broker fell {res.drift_ms:.0f} ms behind "
          f"virtual time (limit {DRIFT_LIMIT_MS} ms) in each of {TIMED_ATTEMPTS} attempts")
    for i, op, broker, sw, diffs, kind in res.mismatches[:2]:
        print(f"     op #{i} [{kind}]: {json.dumps(op)}: {'; '.join(diffs[:2])}")


def cleanup_live(live, case):
    """Deletes what the case declared, on a fresh channel; closes the connection."""
    try:
        live.close()
        live.open()
        for op in case["ops"]:
            try:
                if op["op"] == "declare_queue":
                    live.ch.queue_delete(op["name"])
                elif op["op"] == "declare_exchange" and not op["name"].startswith("amq."):
                    live.ch.exchange_delete(op["name"])
            except pex.ChannelClosedByBroker:
                live.new_channel()
    except Exception:  # noqa: BLE001 - best effort; the broker is thrown away at the end
        pass
    finally:
        live.close()


# ----------------------------------------------------------------------------------------------


def write_repro(outdir, res):
    os.makedirs(outdir, exist_ok=True)
    base = os.path.join(outdir, res.case["id"].replace("/", "_"))
    with open(base + ".ops.jsonl", "w") as f:
        for op in getattr(res, "ops", []):
            f.write(json.dumps(op) + "\n")
    with open(base + ".rabbitmq.jsonl", "w") as f:
        for a in getattr(res, "answers", []):
            f.write(json.dumps(a, default=str) + "\n")
    return base + ".ops.jsonl"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--switchyard", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=200, help="random cases (default 200)")
    ap.add_argument("--only", choices=["hand", "random"])
    ap.add_argument("--case", action="append", help="run only this case id (repeatable)")
    ap.add_argument("--category", action="append",
                    help="run only the cases of this category (repeatable; e.g. --cases 2000 --category consume)")
    ap.add_argument("--ops-file", action="append",
                    help="run this JSON-lines file of ops as a case (repeatable; e.g. a saved failing case)")
    ap.add_argument("--show", action="store_true", help="print each case's ops as they run")
    ap.add_argument("--show-answers", action="store_true", help="print every op with RabbitMQ's answer")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--settle-ms", type=int, default=25,
                    help="pause before a get that follows a publish/nack/advance (dead letters are asynchronous)")
    ap.add_argument("--out", default=None, help="where failing cases' ops are written")
    ap.add_argument("--ignore-error-text", action="store_true",
                    help="compare only the reply code of errors (the text is compared by default)")
    ap.add_argument("--assume-ops", default=None,
                    help="comma-separated optional ops to treat as supported instead of probing (debugging the live side)")
    ns = ap.parse_args()

    global IGNORE_ERROR_TEXT
    IGNORE_ERROR_TEXT = ns.ignore_error_text
    started = time.time()
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    outdir = ns.out or os.path.join(root, "target", "live-conformance")
    workdir = tempfile.mkdtemp(prefix="switchyard-live-runner.")
    if os.path.isdir(outdir):
        for name in os.listdir(outdir):
            if name.endswith((".ops.jsonl", ".rabbitmq.jsonl")):
                os.remove(os.path.join(outdir, name))
    if ns.assume_ops is not None:
        caps = {c for c in ns.assume_ops.split(",") if c}
    else:
        caps = probe_capabilities(ns.switchyard, workdir)
    print(f"live conformance: runner {ns.switchyard} profile {PROFILE}; optional ops supported: "
          f"{', '.join(sorted(caps)) or 'none'}")
    missing = sorted(set(OPTIONAL_OPS) - caps)
    if missing:
        print(f"live conformance: not compared until the runner has them: {', '.join(missing)}")

    harness_failures = 0
    cases = []
    if ns.only != "random":
        cases.extend(scenarios.hand_cases(caps))
    if ns.only != "hand":
        cases.extend(scenarios.random_cases(ns.seed, ns.cases, caps))
    if ns.ops_file:
        cases = []
        for path in ns.ops_file:
            with open(path) as f:
                ops = [json.loads(line) for line in f if line.strip()]
            file_case = scenarios.case(os.path.basename(path), "file", path, ops)
            file_case["definitions"] = True  # the policies only match pol* names
            cases.append(file_case)
    if ns.category:
        cases = [c for c in cases if c["category"] in set(ns.category)]
    if ns.case:
        wanted = set(ns.case)
        cases = [c for c in cases if c["id"] in wanted]

    definitions = None
    if any(c.get("definitions") for c in cases):
        t0 = time.time()
        try:
            definitions = install_policies(workdir)
            print(f"live conformance: {len(scenarios.POLICIES)} policies set in {time.time() - t0:.1f} s")
        except Exception as e:  # noqa: BLE001
            print(f"live conformance: harness error: cannot set the policies: {e}")
            cases = [c for c in cases if not c.get("definitions")]
            harness_failures = 1
    by_cat = {}
    kinds = {}
    first_kinds = {}  # the first mismatch of each failing case: later ones may follow from it
    failed_results = []
    notes = set()
    compared = 0
    retried = []
    unjudged = []
    for case in cases:
        if ns.show:
            print(f"--- {case['id']} ({case['category']})")
            for op in case["ops"]:
                print("   ", json.dumps(op))
        res = run_case_timed(case, ns.port, ns.switchyard, caps, workdir, ns.settle_ms, definitions)
        compared += res.compared
        if res.retries:
            retried.append(f"{case['id']} ({res.retries}x, worst drift {res.drift_ms:.0f} ms)")
        if res.unjudged:
            unjudged.append(res)
            report_unjudged(res)
            continue
        notes.update(res.notes)
        cat = by_cat.setdefault(case["category"], [0, 0, 0])
        cat[0] += 1
        if ns.ops_file or ns.show_answers:
            for op, answer in zip(getattr(res, "ops", []), getattr(res, "answers", [])):
                print(f"  {json.dumps(op)}\n    -> RabbitMQ: {json.dumps(answer, default=str)}")
        if res.ok:
            cat[1] += 1
            if ns.verbose:
                drift = f", drift {res.drift_ms:.0f} ms" if res.drift_ms else ""
                print(f"ok   {case['id']} ({res.compared} ops{drift})")
        else:
            cat[2] += 1
            failed_results.append(res)
            if res.harness_error:
                kinds["harness error"] = kinds.get("harness error", 0) + 1
            for m in res.mismatches:
                kinds[m[5]] = kinds.get(m[5], 0) + 1
            if res.mismatches:
                first = res.mismatches[0][5]
                first_kinds[first] = first_kinds.get(first, 0) + 1
            report_failure(res, outdir, ns.switchyard)

    shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.time() - started
    print()
    print(f"live conformance: {len(cases)} cases, {compared} op answers compared, {elapsed:.1f} s")
    for note in sorted(notes):
        print(f"  note: {note}")
    for cat in sorted(by_cat):
        n, ok, bad = by_cat[cat]
        print(f"  {cat:<10} {n:>4} cases  {ok:>4} passed  {bad:>4} failed")
    if kinds:
        print("  mismatching op answers by kind:")
        for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"    {n:>5}  {kind}")
        print("  first mismatch of each failing case, by kind (later ones may be consequences):")
        for kind, n in sorted(first_kinds.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"    {n:>5}  {kind}")
    if retried:
        print(f"  rerun because the broker fell behind virtual time: {', '.join(retried)}")
    if unjudged:
        print(f"  unjudged (the broker fell more than {DRIFT_LIMIT_MS} ms behind virtual time in each of "
              f"{TIMED_ATTEMPTS} attempts; not counted): {', '.join(r.case['id'] for r in unjudged)}")
    passed = sum(v[1] for v in by_cat.values())
    failed = sum(v[2] for v in by_cat.values()) + harness_failures
    if len(unjudged) > max(2, len(cases) // 20):
        print(f"live conformance: {len(unjudged)} timed cases unjudged: this machine is too busy to "
              f"keep the broker's clock; counted as one failure")
        failed += 1
    if not cases:
        print("live conformance: no case selected")
        failed += 1
    print(f"live conformance: {passed} passed, {failed} failed")
    return 1 if failed else 0


def report_failure(res, outdir, binary):
    case = res.case
    print(f"FAIL {case['id']} ({case['category']}): {case.get('title', '')}")
    if res.harness_error:
        print(f"     harness error: {res.harness_error}")
    for i, op, broker, sw, diffs, kind in res.mismatches[:5]:
        print(f"     op #{i} [{kind}]: {json.dumps(op)}")
        print(f"       RabbitMQ:   {json.dumps(broker, default=str)}")
        print(f"       switchyard: {json.dumps(sw)}")
        for d in diffs[:4]:
            print(f"         {d}")
    if len(res.mismatches) > 5:
        print(f"     ... {len(res.mismatches) - 5} more mismatching ops in this case")
    if hasattr(res, "ops"):
        path = write_repro(outdir, res)
        print(f"     replay: {binary} replay --profile {PROFILE} --ops {path}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # noqa: BLE001 - reported as a harness failure, with the plain last line
        import traceback

        traceback.print_exc()
        print(f"live conformance: harness error: {type(error).__name__}: {error}")
        print("live conformance: 0 passed, 1 failed")
        sys.exit(2)
