"""Scenarios for the live conformance harness: a few hand-written cases and a seeded generator.

A case is {"id", "category", "title", "ops": [runner ops], "check_queues": bool}. Ops follow the
JSON-lines protocol of `switchyard replay`; `delivery_tag` may be a template ("$last", "$first",
"$pick": one of the unacknowledged tags, "$all": 0 with multiple, "$stale": a tag not handed
out) that the executor resolves on the live broker.
`check_queues` compares each publish's `queues` with the queues whose message count grew on the
broker; it is only set for cases whose queues have no length limit, TTL or dead-lettering.

Every name in a case starts with the case id, so cases never see each other's objects.
Determinism: a case depends only on (seed, index) and the set of ops the runner supports.
Avoided on purpose (non-deterministic on a live broker or different in 3.10): x-expires timing,
single-active-consumer promotion, topic keys with more than two `#` words, TTL boundaries
closer than ~100 ms to an `advance`, and several queues whose messages expire into one
dead-letter target at the same virtual time.
"""

import random

MAX_DRAIN = 60
FAR_TTL = "60000"  # never reached within a case


def X(name, kind, internal=False, auto_delete=False, args=None, durable=False):
    return {"op": "declare_exchange", "name": name, "type": kind, "durable": durable,
            "auto_delete": auto_delete, "internal": internal, "arguments": args or {}}


def Q(name, args=None, durable=False, exclusive=False, auto_delete=False):
    return {"op": "declare_queue", "name": name, "durable": durable, "exclusive": exclusive,
            "auto_delete": auto_delete, "arguments": args or {}}


def B(source, dest, key="", args=None, dtype="queue"):
    return {"op": "bind", "source": source, "destination": dest, "destination_type": dtype,
            "routing_key": key, "arguments": args or {}}


def UB(source, dest, key="", args=None, dtype="queue"):
    op = B(source, dest, key, args, dtype)
    op["op"] = "unbind"
    return op


def P(exchange, key, mid, mandatory=False, headers=None, body=None, **props):
    properties = {"message_id": mid}
    if headers is not None:
        properties["headers"] = headers
    properties.update({k: v for k, v in props.items() if v is not None})
    return {"op": "publish", "exchange": exchange, "routing_key": key, "mandatory": mandatory,
            "body": body if body is not None else f"body-{mid}", "properties": properties}


def G(queue, ack="auto"):
    return {"op": "get", "queue": queue, "ack": ack}


def ACK(tag="$last", multiple=False):
    return {"op": "ack", "delivery_tag": tag, "multiple": multiple}


def NACK(tag="$last", requeue=True, multiple=False):
    return {"op": "nack", "delivery_tag": tag, "multiple": multiple, "requeue": requeue}


def REJ(tag="$last", requeue=True):
    return {"op": "reject", "delivery_tag": tag, "requeue": requeue}


def ADV(ms):
    return {"op": "advance", "ms": ms}


def case(cid, category, title, ops, check_queues=False):
    return {"id": cid, "category": category, "title": title, "ops": ops, "check_queues": check_queues}


# ----------------------------------------------------------------------------------------------
# Hand-written cases


def hand_cases(caps):
    cases = []
    p = "h1."
    cases.append(case("hand-1", "hand", "AE chain, missing AE, mandatory return, e2e does not trigger AE", [
        X(p + "ae2", "fanout"),
        X(p + "ae1", "direct", args={"alternate-exchange": p + "ae2"}),
        X(p + "main", "direct", args={"alternate-exchange": p + "ae1"}),
        X(p + "lonely", "direct", args={"alternate-exchange": p + "missing"}),
        X(p + "inner", "direct"),
        X(p + "outer", "direct", args={"alternate-exchange": p + "ae2"}),
        Q(p + "q1"), Q(p + "qae"), Q(p + "q2"),
        B(p + "main", p + "q1", "k1"),
        B(p + "ae2", p + "qae"),
        B(p + "outer", p + "inner", "k", dtype="exchange"),
        P(p + "main", "k1", "m1", mandatory=True),
        P(p + "main", "zz", "m2", mandatory=True),
        P(p + "lonely", "k1", "m3", mandatory=True),
        P(p + "lonely", "k1", "m4"),
        P(p + "outer", "k", "m5", mandatory=True),
        P(p + "outer", "other", "m6", mandatory=True),
    ], check_queues=True))
    p = "h2."
    cases.append(case("hand-2", "hand", "e2e cycle, self-binding, duplicate keys and CC give one copy; BCC stripped", [
        X(p + "a", "topic"), X(p + "b", "topic"),
        Q(p + "q"), Q(p + "r"),
        B(p + "a", p + "b", "#", dtype="exchange"),
        B(p + "b", p + "a", "#", dtype="exchange"),
        B(p + "a", p + "a", "x.*", dtype="exchange"),
        B(p + "a", p + "q", "x.y"), B(p + "b", p + "q", "x.*"), B(p + "b", p + "q", "cc.key"),
        B(p + "b", p + "r", "bcc.key"),
        P(p + "a", "x.y", "m1", headers={"CC": ["cc.key"], "BCC": ["bcc.key"]}, mandatory=True),
        P(p + "b", "nothing", "m2", headers={"BCC": ["bcc.key"]}, mandatory=True),
        P(p + "a", "nothing", "m3", headers={"CC": "not-an-array"}, mandatory=True),
        P(p + "a", "x.y", "m4", expiration="abc"),
        P(p + "a", "x.y", "m5", expiration="-1"),
        P(p + "a", "x.y", "m6", mandatory=True),
    ], check_queues=True))
    p = "h3."
    cases.append(case("hand-3", "hand", "headers exchange: all/any/any-with-x/all-with-x, void, 1 == 1.0, empty any", [
        X(p + "h", "headers"),
        Q(p + "all"), Q(p + "any"), Q(p + "anyx"), Q(p + "allx"), Q(p + "void"), Q(p + "empty_any"), Q(p + "num"),
        B(p + "h", p + "all", "", {"x-match": "all", "a": "1", "b": True}),
        B(p + "h", p + "any", "", {"x-match": "any", "a": "1", "x-c": "z"}),
        B(p + "h", p + "anyx", "", {"x-match": "any-with-x", "x-c": "z"}),
        B(p + "h", p + "allx", "", {"x-match": "all-with-x", "a": "1", "x-c": "z"}),
        B(p + "h", p + "void", "", {"d": None}),
        B(p + "h", p + "empty_any", "", {"x-match": "any", "x-only": 1}),
        B(p + "h", p + "num", "", {"n": 1}),
        B(p + "h", p + "all", "", {"x-match": "some"}),
        P(p + "h", "", "m1", headers={"a": "1", "b": True}, mandatory=True),
        P(p + "h", "", "m2", headers={"x-c": "z"}, mandatory=True),
        P(p + "h", "", "m3", headers={"a": "1", "x-c": "z", "b": False}, mandatory=True),
        P(p + "h", "", "m4", headers={"d": "anything"}, mandatory=True),
        P(p + "h", "", "m5", headers={"n": 1.0}, mandatory=True),
        P(p + "h", "", "m6", headers={"n": "1"}, mandatory=True),
        P(p + "h", "", "m7", headers={}, mandatory=True),
    ], check_queues=True))
    p = "h4."
    cases.append(case("hand-4", "hand", "internal exchanges, default exchange rules, amq.* names, missing exchange", [
        X(p + "int", "fanout", internal=True),
        X(p + "front", "fanout"),
        Q(p + "q"),
        B(p + "int", p + "q"),
        B(p + "front", p + "int", dtype="exchange"),
        P(p + "int", "", "m1"),
        P(p + "front", "", "m2", mandatory=True),
        B("", p + "q", "k"),
        P("", p + "q", "m3", mandatory=True),
        P("", p + "nope", "m4", mandatory=True),
        P("amq.default", p + "q", "m5"),
        X("amq." + p + "x", "direct"),
        P(p + "missing", "k", "m6"),
        X(p + "front", "direct"),
        P(p + "front", "", "m7", mandatory=True),
        {"op": "delete_exchange", "name": "amq.headers", "if_unused": False},
        {"op": "delete_exchange", "name": "", "if_unused": False},
        {"op": "delete_exchange", "name": "amq.h4-never-declared", "if_unused": False},
        B("amq.direct", p + "q", "k"),
        P("amq.direct", "k", "m8", mandatory=True),
        UB("amq.direct", p + "q", "k"),
        P("amq.direct", "k", "m9", mandatory=True),
        X("amq.direct", "direct"),
        X("amq.direct", "direct", durable=True),
        X("amq.fanout", "topic", durable=True),
    ], check_queues=True))
    p = "h5."
    cases.append(case("hand-5", "hand", "auto-delete exchange goes with its last binding; delete queue removes bindings", [
        X(p + "ad", "direct", auto_delete=True),
        X(p + "src", "fanout"),
        Q(p + "q1"), Q(p + "q2"),
        B(p + "ad", p + "q1", "k"),
        B(p + "src", p + "ad", dtype="exchange"),
        P(p + "src", "k", "m1", mandatory=True),
        UB(p + "ad", p + "q1", "k"),
        P(p + "ad", "k", "m2", mandatory=True),
        P(p + "src", "k", "m3", mandatory=True),
        B(p + "src", p + "q2"),
        P(p + "src", "k", "m4", mandatory=True),
        {"op": "delete_queue", "name": p + "q2"},
        P(p + "src", "k", "m5", mandatory=True),
    ], check_queues=True))
    # Queue state: limits, dead-lettering, requeue, TTL.
    p = "h6."
    cases.append(case("hand-6", "hand", "max-length overflow modes: drop-head, reject-publish, reject-publish-dlx, bytes", [
        # Two dead-letter paths: copies dead-lettered by two queues at once have no fixed order.
        X(p + "x", "fanout"), X(p + "dlx1", "fanout"), X(p + "dlx2", "fanout"),
        Q(p + "dh", {"x-max-length": 2, "x-dead-letter-exchange": p + "dlx1"}),
        Q(p + "rp", {"x-max-length": 1, "x-overflow": "reject-publish"}),
        Q(p + "rpd", {"x-max-length-bytes": 6, "x-overflow": "reject-publish-dlx", "x-dead-letter-exchange": p + "dlx2"}),
        Q(p + "dlq1"), Q(p + "dlq2"),
        B(p + "x", p + "dh"), B(p + "x", p + "rp"), B(p + "x", p + "rpd"),
        B(p + "dlx1", p + "dlq1"), B(p + "dlx2", p + "dlq2"),
        P(p + "x", "k", "m1", body="abc", mandatory=True),
        P(p + "x", "k", "m2", body="abc", mandatory=True),
        P(p + "x", "k", "m3", body="abc", mandatory=True),
        P(p + "x", "k", "m4", body="", mandatory=True),
        G(p + "rp", "manual"), G(p + "rp"),
        NACK("$last", requeue=True),
        G(p + "dh", "manual"), G(p + "dh", "manual"), NACK("$last", requeue=True, multiple=True),
        P(p + "x", "k", "m5", body="z"),
    ]))
    p = "h7."
    cases.append(case("hand-7", "hand", "dead-letter chain with DLRK, x-death counts, reject cycle, requeue position", [
        X(p + "dlx1", "direct"), X(p + "dlx2", "topic"),
        Q(p + "q1", {"x-dead-letter-exchange": p + "dlx1", "x-dead-letter-routing-key": "to-q2"}),
        Q(p + "q2", {"x-dead-letter-exchange": p + "dlx2"}),
        Q(p + "q3", {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": p + "q1"}),
        Q(p + "bad", {"x-dead-letter-routing-key": "k"}),
        B(p + "dlx1", p + "q2", "to-q2"),
        B(p + "dlx2", p + "q3", "#"),
        P("", p + "q1", "m1", headers={"CC": ["cc1"], "BCC": ["bcc1"]}),
        P("", p + "q1", "m2"),
        P("", p + "q1", "m3"),
        G(p + "q1", "manual"), G(p + "q1", "manual"),
        NACK("$last", requeue=True),
        REJ("$first", requeue=False),
        G(p + "q1", "manual"), G(p + "q1", "manual"),
        NACK("$last", requeue=False, multiple=True),
        G(p + "q2", "manual"), REJ("$last", requeue=False),
        G(p + "q3", "manual"), REJ("$last", requeue=False),
        G(p + "q1", "manual"), REJ("$last", requeue=False),
        G(p + "q2", "manual"), REJ("$last", requeue=False),
    ]))
    p = "h8."
    cases.append(case("hand-8", "hand", "TTL: queue TTL, per-message expiration, min wins, head-only expiry, TTL 0, expired to DLX", [
        X(p + "dlx", "fanout"),
        Q(p + "ttl", {"x-message-ttl": 150, "x-dead-letter-exchange": p + "dlx"}),
        Q(p + "plain"),
        Q(p + "zero", {"x-message-ttl": 0}),
        Q(p + "dlq"),
        B(p + "dlx", p + "dlq"),
        P("", p + "ttl", "m1", expiration="5000"),
        P("", p + "ttl", "m2"),
        P("", p + "plain", "m3", expiration=FAR_TTL),
        P("", p + "plain", "m4", expiration="100"),
        P("", p + "plain", "m5"),
        P("", p + "zero", "m6"),
        P("", p + "plain", "m7", expiration="0"),
        ADV(450),
        G(p + "plain", "manual"), G(p + "plain", "manual"),
    ]))
    p = "h9."
    cases.append(case("hand-9", "hand", "quorum queues: requeue to the back, delivery limit, overflow accepts max+1", [
        X(p + "dlx", "fanout"),
        Q(p + "qq", {"x-queue-type": "quorum"}, durable=True),
        Q(p + "lim", {"x-queue-type": "quorum", "x-delivery-limit": 1, "x-dead-letter-exchange": p + "dlx"}, durable=True),
        Q(p + "len", {"x-queue-type": "quorum", "x-max-length": 1, "x-overflow": "reject-publish"}, durable=True),
        Q(p + "bad", {"x-queue-type": "quorum"}, durable=False),
        Q(p + "dlq"),
        B(p + "dlx", p + "dlq"),
        P("", p + "qq", "m1"), P("", p + "qq", "m2"), P("", p + "qq", "m3"),
        P("", p + "lim", "m4"),
        P("", p + "len", "m5"), P("", p + "len", "m6"), P("", p + "len", "m7"),
        G(p + "qq", "manual"), NACK("$last", requeue=True),
        G(p + "lim", "manual"), NACK("$last", requeue=True),
        G(p + "lim", "manual"), REJ("$last", requeue=True),
        G(p + "lim", "manual"),
    ]))
    p = "h10."
    cases.append(case("hand-10", "hand", "restart: durable objects and persistent messages survive, unacked are requeued", [
        X(p + "dx", "topic", durable=True), X(p + "tx", "topic"),
        Q(p + "dq", durable=True), Q(p + "tq"),
        Q(p + "qq", {"x-queue-type": "quorum"}, durable=True),
        B(p + "dx", p + "dq", "#"), B(p + "tx", p + "tq", "#"), B(p + "dx", p + "qq", "#"),
        B(p + "dx", p + "tq", "t"),
        P(p + "dx", "a", "m1", delivery_mode=2),
        P(p + "dx", "a", "m2", delivery_mode=1),
        P(p + "dx", "a", "m3"),
        P(p + "tx", "a", "m4", delivery_mode=2),
        G(p + "dq", "manual"),
        {"op": "restart"},
        P(p + "tx", "a", "m5", mandatory=True),
        P(p + "dx", "t", "m6", mandatory=True, delivery_mode=2),
    ]))
    p = "h11."
    cases.append(case("hand-11", "hand", "headers DLX matching x-death fields; internal DLX; *-with-x", [
        X(p + "hdlx", "headers", internal=True),
        Q(p + "src", {"x-dead-letter-exchange": p + "hdlx"}),
        Q(p + "ttl", {"x-dead-letter-exchange": p + "hdlx", "x-message-ttl": 0}),
        Q(p + "rejected"), Q(p + "expired"), Q(p + "all_ignores_x"),
        B(p + "hdlx", p + "rejected", "", {"x-match": "any-with-x", "x-first-death-reason": "rejected"}),
        B(p + "hdlx", p + "expired", "", {"x-match": "all-with-x", "x-first-death-reason": "expired",
                                          "x-first-death-queue": p + "ttl"}),
        B(p + "hdlx", p + "all_ignores_x", "", {"x-match": "all", "x-first-death-reason": "nope"}),
        P("", p + "src", "m1"),
        P("", p + "ttl", "m2"),
        G(p + "src", "manual"), REJ("$last", requeue=False),
    ]))
    p = "h12."
    cases.append(case("hand-12", "hand", "3.10 interprets a client-supplied x-death header", [
        X(p + "dlx", "fanout"),
        Q(p + "q", {"x-dead-letter-exchange": p + "dlx"}), Q(p + "dlq"),
        B(p + "dlx", p + "dlq"),
        P("", p + "q", "m1", headers={"x-death": [{"count": 3, "reason": "rejected", "queue": p + "q",
                                                   "exchange": "", "routing-keys": [p + "q"]}]}),
        P("", p + "q", "m2", headers={"x-death": [{"count": 1, "reason": "expired", "queue": "elsewhere",
                                                   "exchange": "x", "routing-keys": ["k"]}]}),
        G(p + "q", "manual"), REJ("$last", requeue=False),
        G(p + "q", "manual"), NACK("$last", requeue=False),
    ]))
    p = "h13."
    cases.append(case("hand-13", "hand", "priority queues: x-max-priority 0 is one level (FIFO); 2 clamps; drop-head drops the highest", [
        Q(p + "zero", {"x-max-priority": 0}),
        Q(p + "zero1", {"x-max-priority": 0, "x-max-length": 1}),
        Q(p + "two", {"x-max-priority": 2}),
        Q(p + "two1", {"x-max-priority": 2, "x-max-length": 1}),
        P("", p + "zero", "m1", priority=0), P("", p + "zero", "m2", priority=5),
        P("", p + "zero1", "m3", priority=0), P("", p + "zero1", "m4", priority=5),
        P("", p + "two", "m5"), P("", p + "two", "m6", priority=9), P("", p + "two", "m7", priority=1),
        P("", p + "two", "m8", priority=2),
        P("", p + "two1", "m9", priority=1), P("", p + "two1", "m10", priority=0),
    ]))
    p = "h14."
    cases.append(case("hand-14", "hand", "TTL survives requeue; TTL 0 and max-length 0 with a waiting consumer", [
        Q(p + "ttl", {"x-message-ttl": 250}),
        Q(p + "zero", {"x-message-ttl": 0}),
        Q(p + "len0", {"x-max-length": 0}),
        Q(p + "len0rp", {"x-max-length": 0, "x-overflow": "reject-publish"}),
        P("", p + "ttl", "m1"), P("", p + "ttl", "m2", expiration="60000"),
        G(p + "ttl", "manual"),
        ADV(120),
        NACK("$last", requeue=True),
        ADV(200),
        CONSUME(p + "zero", "cz", prefetch=1, ack="manual"),
        CONSUME(p + "len0", "cl", prefetch=1, ack="manual"),
        CONSUME(p + "len0rp", "cr", prefetch=1, ack="manual"),
        P("", p + "zero", "m3"), P("", p + "zero", "m4"),
        P("", p + "len0", "m5"), P("", p + "len0", "m6"),
        P("", p + "len0rp", "m7"),
        ACK("$all"),
        P("", p + "zero", "m8"),
    ]))
    # Small regressions for mismatches the live oracle found.
    p = "h15."
    cases.append(case("hand-15", "hand", "user_id must be the connection's user (guest), checked before expiration and CC", [
        Q(p + "q"),
        P("", p + "q", "m1", user_id="bob"),
        P("", p + "q", "m2", user_id="bob", expiration="-1", headers={"CC": "k"}),
        P("", p + "q", "m3", user_id="guest"),
    ]))
    p = "h16."
    cases.append(case("hand-16", "hand", "unbind is idempotent on 3.10.8, even with a missing source or destination", [
        Q(p + "q"), X(p + "x", "direct"),
        UB(p + "missing", p + "q", "k"),
        UB(p + "x", p + "missingq", "k"),
        UB(p + "x", p + "missingx", "k", dtype="exchange"),
        UB(p + "x", p + "q", "never-bound"),
    ]))
    p = "h17."
    cases.append(case("hand-17", "hand", "a consumer blocked by its prefetch re-enters the round-robin at the back", [
        Q(p + "q"),
        CONSUME(p + "q", "c1", prefetch=1, ack="manual"),
        P("", p + "q", "m1"), P("", p + "q", "m2"),
        CONSUME(p + "q", "c2", prefetch=0, ack="auto"),
        NACK(1, requeue=True),
    ]))
    p = "h18."
    cases.append(case("hand-18", "hand", "an exclusive queue is never durable: the durable flag is ignored", [
        Q(p + "q", durable=True, exclusive=True),
        Q(p + "q", durable=False, exclusive=True),
        Q(p + "q", durable=True, exclusive=True, auto_delete=True),
    ]))
    p = "h19."
    cases.append(case("hand-19", "hand", "x-queue-type classic equals no type on redeclare; x-queue-type is checked first", [
        Q(p + "a", {"x-queue-type": "classic"}), Q(p + "a"),
        Q(p + "b"), Q(p + "b", {"x-queue-type": "classic"}),
        Q(p + "c", {"x-overflow": "bogus", "x-queue-type": "bogus"}),
        Q(p + "d", {"x-dead-letter-routing-key": "k", "x-queue-type": "bogus"}),
        Q(p + "e", {"x-queue-type": "quorum"}, durable=True), Q(p + "e", durable=True),
    ]))
    p = "h20."
    cases.append(case("hand-20", "hand", "closing the channel of an auto-delete queue's last consumer deletes it without requeueing", [
        Q(p + "q", {"x-max-length": 1, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": p + "dlq"},
          auto_delete=True),
        Q(p + "dlq"),
        CONSUME(p + "q", "c1", prefetch=1, ack="manual"),
        P("", p + "q", "m1"), P("", p + "q", "m2"),
        {"op": "close"},
    ]))
    p = "h21."
    cases.append(case("hand-21", "hand", "quorum reject-publish blocks per publishing channel; a new channel is blocked only over the limit", [
        Q(p + "qq", {"x-queue-type": "quorum", "x-max-length": 2, "x-overflow": "reject-publish"}, durable=True),
        P("", p + "qq", "m1"), P("", p + "qq", "m2"), P("", p + "qq", "m3"), P("", p + "qq", "m4"),
        G(p + "qq"),
        P("", p + "qq", "m5"),
        {"op": "close"},
        P("", p + "qq", "m6"), P("", p + "qq", "m7"),
    ]))
    p = "h22."
    cases.append(case("hand-22", "hand", "round-robin: a new consumer joins behind consumers that already had deliveries", [
        Q(p + "q"),
        CONSUME(p + "q", "c1", prefetch=0, ack="manual"),
        P("", p + "q", "m1"),
        CONSUME(p + "q", "c2", prefetch=0, ack="manual"),
        P("", p + "q", "m2"), P("", p + "q", "m3"), P("", p + "q", "m4"),
    ]))
    p = "h23."
    cases.append(case("hand-23", "hand", "round-robin: a consumer full of unacked messages keeps its place until a delivery finds it full", [
        Q(p + "q"),
        CONSUME(p + "q", "c1", prefetch=1, ack="manual"),
        P("", p + "q", "m1"),
        CONSUME(p + "q", "c2", prefetch=1, ack="manual"),
        ACK(1),
        P("", p + "q", "m2"),
    ]))
    cases.extend(policy_cases())
    return cases


# ----------------------------------------------------------------------------------------------
# Policies: set once on the broker (rabbitmqctl import_definitions) and given to the runner as
# --definitions for the cases marked "definitions". Patterns only match these cases' names.

POLICIES = [
    {"vhost": "/", "name": "live-pol1-ae", "pattern": "^pol1\\.x", "apply-to": "exchanges", "priority": 0,
     "definition": {"alternate-exchange": "pol1.ae"}},
    {"vhost": "/", "name": "live-pol2-len", "pattern": "^pol2\\.", "apply-to": "queues", "priority": 0,
     "definition": {"max-length": 1, "overflow": "reject-publish"}},
    {"vhost": "/", "name": "live-pol3-low", "pattern": "^pol3\\.", "apply-to": "queues", "priority": 1,
     "definition": {"dead-letter-exchange": "pol3.dlx", "message-ttl": 100}},
    {"vhost": "/", "name": "live-pol3-high", "pattern": "^pol3\\.hi", "apply-to": "queues", "priority": 5,
     "definition": {"message-ttl": 250}},
    {"vhost": "/", "name": "live-pol4-all", "pattern": "^pol4\\.", "apply-to": "all", "priority": 0,
     "definition": {"alternate-exchange": "pol4.ae", "max-length": 2}},
    # delivery-limit is a quorum-only key: on 3.10 a policy holding a key the queue type does not
    # support does not apply to that queue at all, and the next applicable policy does.
    {"vhost": "/", "name": "live-pol5-qq", "pattern": "^pol5\\.", "apply-to": "queues", "priority": 1,
     "definition": {"max-length": 1, "overflow": "reject-publish", "delivery-limit": 3,
                    "dead-letter-exchange": "", "dead-letter-routing-key": "pol5dlq"}},
    {"vhost": "/", "name": "live-pol5-low", "pattern": "^pol5\\.", "apply-to": "queues", "priority": 0,
     "definition": {"max-length": 2}},
    # queue-mode is classic-only; a queues-only policy never reaches exchanges.
    {"vhost": "/", "name": "live-pol6", "pattern": "^pol6\\.", "apply-to": "queues", "priority": 0,
     "definition": {"alternate-exchange": "pol6.ae", "queue-mode": "lazy", "max-length": 1}},
]


def policy_cases():
    cases = []
    cases.append(case("policy-1", "policy", "alternate-exchange by policy; the argument wins over the policy", [
        X("pol1.ae", "fanout"), X("pol1.ae2", "fanout"),
        X("pol1.x1", "direct"),
        X("pol1.x2", "direct", args={"alternate-exchange": "pol1.ae2"}),
        Q("pol1.q"), Q("pol1.qae"), Q("pol1.qae2"),
        B("pol1.x1", "pol1.q", "k"), B("pol1.ae", "pol1.qae"), B("pol1.ae2", "pol1.qae2"),
        P("pol1.x1", "k", "m1", mandatory=True),
        P("pol1.x1", "zz", "m2", mandatory=True),
        P("pol1.x2", "zz", "m3", mandatory=True),
        P("pol1.ae", "zz", "m4", mandatory=True),
    ], check_queues=True))
    cases.append(case("policy-2", "policy", "max-length/overflow by policy: minimum limit wins, overflow argument wins", [
        Q("pol2.a"),
        Q("pol2.b", {"x-max-length": 3}),
        Q("pol2.c", {"x-max-length": 2, "x-overflow": "drop-head"}),
        P("", "pol2.a", "m1"), P("", "pol2.a", "m2"),
        P("", "pol2.b", "m3"), P("", "pol2.b", "m4"),
        P("", "pol2.c", "m5"), P("", "pol2.c", "m6"), P("", "pol2.c", "m7"),
    ]))
    cases.append(case("policy-3", "policy", "dead-letter-exchange and message-ttl by policy; the higher priority policy wins", [
        X("pol3.dlx", "fanout"),
        Q("pol3.lo"), Q("pol3.hi"), Q("pol3.arg", {"x-message-ttl": 60000}),
        Q("pol3dlq"),
        B("pol3.dlx", "pol3dlq"),
        # m3 is published 60 ms after m1 so that the two expiries into pol3dlq are not simultaneous.
        P("", "pol3.lo", "m1"), P("", "pol3.hi", "m2"),
        P("", "pol3.hi", "m4", expiration="60000"),
        ADV(60),
        P("", "pol3.arg", "m3"),
        ADV(90),
        G("pol3.hi", "manual"),
        ADV(270),
    ]))
    cases.append(case("policy-4", "policy", "an apply-to all policy reaches exchanges and queues", [
        X("pol4.ae", "fanout"), X("pol4.x", "topic"),
        Q("pol4.q"), Q("pol4.other"),
        B("pol4.x", "pol4.q", "a.*"), B("pol4.ae", "pol4.other"),
        P("pol4.x", "a.b", "m1", mandatory=True),
        P("pol4.x", "b", "m2", mandatory=True),
        P("pol4.x", "a.c", "m3", mandatory=True),
        P("pol4.x", "a.d", "m4", mandatory=True),
    ]))
    cases.append(case("policy-5", "policy", "a policy with a quorum-only key skips classic queues (the next policy applies); overflow policy wins on quorum", [
        Q("pol5dlq"),
        Q("pol5.cq", {"x-overflow": "drop-head"}),
        Q("pol5.qq", {"x-queue-type": "quorum", "x-overflow": "drop-head", "x-delivery-limit": 0}, durable=True),
        P("", "pol5.cq", "m1"), P("", "pol5.cq", "m2"), P("", "pol5.cq", "m6"),
        P("", "pol5.qq", "m3"), P("", "pol5.qq", "m4"), P("", "pol5.qq", "m5"),
        G("pol5.qq", "manual"), NACK("$last", requeue=True),
        G("pol5.qq", "manual"), NACK("$last", requeue=True),
    ]))
    cases.append(case("policy-6", "policy", "apply-to queues skips exchanges; a classic-only key skips quorum queues", [
        X("pol6.ae", "fanout"), X("pol6.x", "direct"),
        Q("pol6.cq"), Q("pol6.qq", {"x-queue-type": "quorum"}, durable=True), Q("pol6ae.q"),
        B("pol6.ae", "pol6ae.q"), B("pol6.x", "pol6.cq", "k"), B("pol6.x", "pol6.qq", "k"),
        P("pol6.x", "nothing", "m1", mandatory=True),
        P("pol6.x", "k", "m2"), P("pol6.x", "k", "m3"),
    ]))
    for c in cases:
        c["definitions"] = True
    cases[4]["settle_ms"] = 100  # policy-5: dead letters from a quorum queue
    return cases


# ----------------------------------------------------------------------------------------------
# Random cases

WORDS = ["a", "b", "c"]
HDR_KEYS = ["h1", "h2", "x-h"]
HDR_VALUES = ["v1", "v2", 1, 1.0, 2, True, False, None, "1"]
# Rarer values: big and negative integers, fractions, arrays and tables (compared structurally).
RICH_VALUES = [5000000000, -3, 2.5, 0, "", [1, "x"], [], {"k": "v"}, {"k": {"n": 1}}, [True, None]]


def hdr_value(rng):
    return rng.choice(RICH_VALUES) if rng.random() < 0.15 else rng.choice(HDR_VALUES)


def topic_pattern(rng):
    if rng.random() < 0.08:
        return rng.choice(["", "#", "*", "#.#", "*.#", "#.*"])
    n = rng.randint(1, 3)
    words, hashes = [], 0
    for _ in range(n):
        w = rng.choice(WORDS + ["*", "#", ""] if rng.random() < 0.5 else WORDS)
        if w == "#":
            if hashes >= 2:
                w = "*"
            else:
                hashes += 1
        words.append(w)
    return ".".join(words)


def routing_key(rng):
    r = rng.random()
    if r < 0.06:
        return ""
    if r < 0.1:
        return rng.choice([".", "a.", ".a", "#", "*"])
    return ".".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def header_args(rng):
    args = {}
    r = rng.random()
    if r < 0.75:
        args["x-match"] = rng.choice(["all", "any", "all-with-x", "any-with-x"])
    elif r < 0.78:
        args["x-match"] = rng.choice(["none", 1])
    for _ in range(rng.randint(0, 3)):
        args[rng.choice(HDR_KEYS)] = hdr_value(rng)
    return args


def msg_headers(rng, cc_ok=True):
    h = {}
    for _ in range(rng.randint(0, 3)):
        h[rng.choice(HDR_KEYS)] = hdr_value(rng)
    if cc_ok and rng.random() < 0.15:
        h["CC"] = [routing_key(rng) for _ in range(rng.randint(1, 2))]
    if cc_ok and rng.random() < 0.1:
        h["BCC"] = [routing_key(rng) for _ in range(rng.randint(1, 2))]
    if cc_ok and rng.random() < 0.02:
        h[rng.choice(["CC", "BCC"])] = "k"
    return h


def binding_key(rng, kind):
    if kind == "topic":
        return topic_pattern(rng)
    if kind == "direct":
        return routing_key(rng)
    return rng.choice(["", "a", "ignored"])


BUILTINS = [("amq.direct", "direct"), ("amq.fanout", "fanout"), ("amq.topic", "topic"),
            ("amq.headers", "headers"), ("amq.match", "headers")]


def random_topology(rng, p, n_ex, queue_args=None):
    """Exchanges, queues and bindings for a routing-heavy case; returns (ops, exchanges, queues)."""
    ops, exchanges, queues = [], [], []
    kinds = {}
    for i in range(n_ex):
        kind = rng.choice(["direct", "fanout", "topic", "headers"])
        name = f"{p}x{i}"
        exchanges.append(name)
        kinds[name] = kind
    for name in exchanges:
        args = {}
        if rng.random() < 0.25:
            args["alternate-exchange"] = rng.choice(exchanges + [p + "missing"])
        internal = rng.random() < 0.12
        auto_delete = rng.random() < 0.08
        ops.append(X(name, kinds[name], internal=internal, auto_delete=auto_delete, args=args))
    if rng.random() < 0.2:
        # A built-in exchange (shared by all cases: never bound to another built-in, and every
        # binding to or from it goes away with the case's own queues and exchanges).
        builtin, kind = rng.choice(BUILTINS)
        exchanges.append(builtin)
        kinds[builtin] = kind
    for i in range(rng.randint(1, 5)):
        name = f"{p}q{i}"
        queues.append(name)
        ops.append(Q(name, dict(queue_args(rng, name)) if queue_args else {}))
    for _ in range(rng.randint(2, 10)):
        src = rng.choice(exchanges)
        kind = kinds[src]
        args = header_args(rng) if kind == "headers" else ({} if rng.random() < 0.9 else {"arg": "v"})
        if rng.random() < 0.3:
            dest, dtype = rng.choice(exchanges), "exchange"
        else:
            dest, dtype = rng.choice(queues), "queue"
        if dtype == "exchange" and src.startswith("amq.") and dest.startswith("amq."):
            dest, dtype = rng.choice(queues), "queue"
        ops.append(B(src, dest, binding_key(rng, kind), args, dtype))
    r = rng.random()
    if r < 0.04:
        ops.append(B("", rng.choice(queues), "k"))
    elif r < 0.07:
        ops.append(B(p + "nowhere", rng.choice(queues), "k"))
    elif r < 0.09:
        ops.append(X(exchanges[0], "fanout" if kinds[exchanges[0]] != "fanout" else "direct"))
    return ops, exchanges, queues, kinds


def random_publish(rng, p, n, exchanges, queues, kinds, mandatory_p=0.6, extra=None):
    r = rng.random()
    if r < 0.12:
        exchange = ""
        key = rng.choice(queues + [p + "nope"])
    elif r < 0.14:
        exchange, key = p + "gone", "a"
    else:
        exchange = rng.choice(exchanges)
        key = routing_key(rng)
    props = dict(extra or {})
    if rng.random() < 0.01:
        props["expiration"] = rng.choice(["abc", "-1"])
    props.update(random_properties(rng))
    headers = msg_headers(rng)
    if exchange == "" and rng.random() < 0.4:
        # Through the default exchange, CC/BCC keys name more queues.
        headers[rng.choice(["CC", "BCC"])] = rng.sample(queues + [p + "nope"], k=min(2, len(queues)))
    return P(exchange, key, f"m{n}", mandatory=rng.random() < mandatory_p, headers=headers, **props)


def random_properties(rng):
    """Sometimes the other basic properties, which the broker hands back unchanged (user_id is
    checked against the connection's user, guest)."""
    props = {}
    if rng.random() < 0.2:
        props["content_type"] = rng.choice(["text/plain", "application/json"])
        props["delivery_mode"] = rng.choice([1, 2])
    if rng.random() < 0.1:
        props.update({"correlation_id": "corr", "reply_to": "rq", "type": "t", "app_id": "app",
                      "content_encoding": "utf-8", "timestamp": 1700000000})
    if rng.random() < 0.08:
        props["user_id"] = "guest" if rng.random() < 0.7 else "bob"
    if rng.random() < 0.05:
        props["priority"] = rng.randint(0, 9)
    return props


def gen_routing(rng, cid, caps):
    p = cid + "."
    ops, exchanges, queues, kinds = random_topology(rng, p, rng.randint(1, 5))
    n = 0
    for _ in range(rng.randint(3, 10)):
        r = rng.random()
        if r < 0.06:
            b = rng.choice([o for o in ops if o["op"] == "bind"] or [None])
            if b:
                ub = dict(b)
                ub["op"] = "unbind"
                ops.append(ub)
        elif r < 0.09:
            ops.append({"op": "delete_exchange", "name": rng.choice(exchanges), "if_unused": rng.random() < 0.5})
        elif r < 0.11:
            ops.append({"op": "delete_queue", "name": rng.choice(queues)})
        n += 1
        ops.append(random_publish(rng, p, n, exchanges, queues, kinds))
    return case(cid, "routing", "random topology and publishes", ops, check_queues=True)


def gen_limits(rng, cid, caps):
    p = cid + "."
    dlx = p + "dlx"

    dl_used = []

    def qargs(rng, name):
        a = {}
        if rng.random() < 0.8:
            a["x-max-length"] = rng.randint(0, 3)
        if rng.random() < 0.4:
            a["x-max-length-bytes"] = rng.randint(0, 10)
        if rng.random() < 0.75:
            a["x-overflow"] = rng.choice(["drop-head", "reject-publish", "reject-publish-dlx"])
        if rng.random() < 0.15:
            a["x-max-priority"] = rng.choice([0, 3, 10])
        if rng.random() < 0.5:
            # One queue at most dead-letters into dlq: copies dead-lettered by several queues
            # at once arrive in no fixed order on a real broker.
            a["x-dead-letter-exchange"] = p + "missing-dlx" if dl_used else rng.choice([dlx, dlx, p + "missing-dlx"])
            if a["x-dead-letter-exchange"] == dlx:
                dl_used.append(name)
            if rng.random() < 0.3:
                a["x-dead-letter-routing-key"] = "dl"
        return a

    ops, exchanges, queues, kinds = random_topology(rng, p, rng.randint(1, 2), qargs)
    ops.insert(0, X(dlx, rng.choice(["fanout", "direct"])))
    ops.append(Q(p + "dlq"))
    ops.append(B(dlx, p + "dlq", "dl"))
    n = 0
    for _ in range(rng.randint(3, 10)):
        n += 1
        body = "x" * rng.randint(0, 4)
        pub = random_publish(rng, p, n, exchanges, queues, kinds)
        pub["body"] = body
        if rng.random() < 0.3:
            pub["properties"]["priority"] = rng.randint(0, 12)
        ops.append(pub)
    ops.extend(queue_work(rng, queues, caps))
    return case(cid, "limits", "length limits and overflow modes", ops)


def queue_work(rng, queues, caps):
    """Gets, acks, nacks and rejects (only when the runner has them)."""
    ops = []
    if "get" not in caps:
        return ops
    for _ in range(rng.randint(0, 6)):
        q = rng.choice(queues)
        if "purge" in caps and rng.random() < 0.08:
            ops.append({"op": "purge", "queue": q})
            continue
        manual = rng.random() < 0.7 and {"ack", "nack", "reject"} & caps
        ops.append(G(q, "manual" if manual else "auto"))
        if manual and rng.random() < 0.8:
            kind = rng.choice(sorted({"ack", "nack", "reject"} & caps))
            tag = rng.choice(["$last", "$first", "$pick"] * 10 + ["$stale", "$all"])
            if kind == "ack":
                ops.append(ACK(tag, multiple=rng.random() < 0.3))
            elif kind == "nack":
                ops.append(NACK(tag, requeue=rng.random() < 0.5, multiple=rng.random() < 0.3))
            else:
                ops.append(REJ(tag, requeue=rng.random() < 0.5))
    return ops


def gen_dlx(rng, cid, caps):
    p = cid + "."
    ops, queues = [], []
    xs = [p + "d0", p + "d1"]
    for i, x in enumerate(xs):
        # Dead letters are routed like publishes: the second DLX sometimes has the first as its
        # alternate exchange, or is bound to it.
        args = {"alternate-exchange": xs[0]} if i == 1 and rng.random() < 0.3 else {}
        ops.append(X(x, rng.choice(["direct", "fanout", "topic"]), internal=rng.random() < 0.2, args=args))
    if rng.random() < 0.2:
        ops.append(B(xs[1], xs[0], rng.choice(["a", "b", "#"]), dtype="exchange"))
    n_q = rng.randint(2, 4)
    for i in range(n_q):
        name = f"{p}q{i}"
        queues.append(name)
        a = {}
        r = rng.random()
        if r < 0.6:
            a["x-dead-letter-exchange"] = rng.choice(xs)
        elif r < 0.75:
            a["x-dead-letter-exchange"] = ""
            a["x-dead-letter-routing-key"] = rng.choice([f"{p}q{j}" for j in range(n_q)])
        elif r < 0.8:
            a["x-dead-letter-exchange"] = p + "missing"
        if "x-dead-letter-exchange" in a and "x-dead-letter-routing-key" not in a and rng.random() < 0.4:
            a["x-dead-letter-routing-key"] = rng.choice(["a", "b", "a.b"])
        if rng.random() < 0.25 and "x-dead-letter-exchange" not in a:
            a["x-max-length"] = rng.randint(1, 2)
        ops.append(Q(name, a))
    for _ in range(rng.randint(2, 5)):
        x = rng.choice(xs)
        ops.append(B(x, rng.choice(queues), rng.choice(["a", "b", "a.b", "#", "*"])))
    n = 0
    for _ in range(rng.randint(2, 6)):
        n += 1
        q = rng.choice(queues)
        headers = {}
        if rng.random() < 0.3:
            headers["CC"] = [rng.choice(["a", "b"])]
        if rng.random() < 0.2:
            headers["BCC"] = [rng.choice(["a", "b"])]
        ops.append(P("", q, f"m{n}", headers=headers))
    if "get" in caps:
        for _ in range(rng.randint(2, 8)):
            q = rng.choice(queues)
            ops.append(G(q, "manual"))
            kind = rng.choice(sorted({"nack", "reject", "ack"} & caps) or ["none"])
            if kind == "nack":
                ops.append(NACK("$last", requeue=rng.random() < 0.25, multiple=rng.random() < 0.3))
            elif kind == "reject":
                ops.append(REJ("$last", requeue=rng.random() < 0.25))
            elif kind == "ack":
                ops.append(ACK("$last"))
    return case(cid, "dlx", "dead-letter chains", ops)


def gen_ttl(rng, cid, caps):
    p = cid + "."
    has_adv = "advance" in caps
    ops, queues = [], []
    dlx = p + "dlx"
    ops.append(X(dlx, "fanout"))
    ops.append(Q(p + "dlq"))
    ops.append(B(dlx, p + "dlq"))
    # Distinct TTLs, far from the advance (450 ms): 0, 120, 250 expire; 60000 never does.
    ttl_choices = [0, 120, 250, 60000] if has_adv else [0, 60000]
    dlx_used = False
    n_q = rng.randint(1, 3)
    for i in range(n_q):
        name = f"{p}q{i}"
        queues.append(name)
        a = {}
        if rng.random() < 0.7:
            a["x-message-ttl"] = rng.choice(ttl_choices)
        if not dlx_used and rng.random() < 0.6:
            # Only one queue may expire messages into the dead-letter queue (ordering).
            a["x-dead-letter-exchange"] = dlx
            dlx_used = True
        elif rng.random() < 0.2:
            # Expiry back into itself: the cycle rule drops it after one round.
            a["x-dead-letter-exchange"] = ""
            a["x-dead-letter-routing-key"] = name
        if rng.random() < 0.3:
            a["x-max-length"] = rng.randint(1, 3)
            # Expired messages still at the tail count towards the limit.
            a["x-overflow"] = rng.choice(["drop-head", "reject-publish", "reject-publish-dlx"])
        ops.append(Q(name, a))
    n = 0
    rounds = 2 if has_adv and rng.random() < 0.4 else 1
    for _ in range(rounds):
        for _ in range(rng.randint(2, 7)):
            n += 1
            q = rng.choice(queues)
            exp = None
            if rng.random() < 0.6:
                exp = str(rng.choice(ttl_choices))
            ops.append(P("", q, f"m{n}", expiration=exp))
        if has_adv:
            ops.append(ADV(450))
    if "get" in caps:
        for _ in range(rng.randint(0, 3)):
            ops.append(G(rng.choice(queues), rng.choice(["auto", "manual"])))
    return case(cid, "ttl", "message TTL and expiry", ops)


QUEUE_ARG_POOL = {
    "x-max-length": [0, 5, -1, "5", 1.5],
    "x-max-length-bytes": [10, -1],
    "x-overflow": ["drop-head", "reject-publish", "reject-publish-dlx", "bogus", 1],
    "x-message-ttl": [0, 1000, -5, "10"],
    "x-expires": [3600000, 0, -1],
    "x-dead-letter-exchange": ["dlx", 5],
    "x-dead-letter-routing-key": ["k", 5],
    "x-max-priority": [10, 256, -1],
    "x-queue-type": ["classic", "bogus"],
    "x-single-active-consumer": [True, "yes"],
    "x-queue-mode": ["lazy", "default", "bogus"],
    "x-custom": ["anything"],
}


def gen_declare(rng, cid, caps):
    """Declarations and redeclarations with valid, invalid and inequivalent flags/arguments."""
    p = cid + "."
    ops = []
    qnames = [p + "q0", p + "q1"]
    xnames = [p + "x0", p + "x1"]
    for _ in range(rng.randint(3, 9)):
        r = rng.random()
        if r < 0.55:
            args = {}
            for _ in range(rng.randint(0, 2)):
                key = rng.choice(sorted(QUEUE_ARG_POOL))
                args[key] = rng.choice(QUEUE_ARG_POOL[key])
            name = rng.choice(qnames + ["amq." + p + "q"] if rng.random() < 0.05 else qnames)
            ops.append(Q(name, args, durable=rng.random() < 0.3, exclusive=rng.random() < 0.15,
                         auto_delete=rng.random() < 0.1))
        elif r < 0.9:
            args = {}
            if rng.random() < 0.3:
                args["alternate-exchange"] = rng.choice([p + "ae", 5])
            name = rng.choice(xnames + ["amq." + p + "x"] if rng.random() < 0.08 else xnames)
            kind = rng.choice(["direct", "fanout", "topic", "headers"])
            durable = rng.random() < 0.3
            if rng.random() < 0.06:
                # Redeclaring a built-in exchange: fine when equivalent (durable, same type).
                name, kind = rng.choice(BUILTINS)
                durable = rng.random() < 0.7
                args = {}
            ops.append(X(name, kind, durable=durable, auto_delete=rng.random() < 0.1,
                         internal=rng.random() < 0.1, args=args))
        elif r < 0.95:
            ops.append({"op": "delete_queue", "name": rng.choice(qnames)})
        else:
            name = rng.choice(xnames + ["amq.topic", ""] if rng.random() < 0.2 else xnames)
            ops.append({"op": "delete_exchange", "name": name, "if_unused": False})
    return case(cid, "declare", "declarations, argument checks, redeclaration equivalence", ops)


def CONSUME(queue, tag, prefetch=0, ack="manual", exclusive=False, priority=None):
    op = {"op": "consume", "queue": queue, "consumer_tag": tag, "prefetch": prefetch, "ack": ack,
          "exclusive": exclusive}
    if priority is not None:
        op["priority"] = priority
    return op


def gen_consume(rng, cid, caps):
    """Consumers on one queue: prefetch, round-robin, priorities, exclusive, ack/nack/reject, cancel, close.
    Only one queue has consumers, so the order of deliveries is fixed on the broker too."""
    p = cid + "."
    q, dlq = p + "q", p + "dlq"
    args = {}
    if rng.random() < 0.4:
        args["x-dead-letter-exchange"] = ""
        args["x-dead-letter-routing-key"] = dlq
    if rng.random() < 0.3:
        args["x-max-length"] = rng.randint(1, 4)
        if rng.random() < 0.5:
            args["x-overflow"] = rng.choice(["reject-publish", "drop-head"])
    if rng.random() < 0.15:
        args["x-max-priority"] = 5
    sac = rng.random() < 0.15
    if sac:
        # At most two consumers: which waiting consumer is promoted is only fixed with one.
        args["x-single-active-consumer"] = True
    # An auto-delete queue goes away when its last consumer is cancelled.
    ops = [Q(q, args, auto_delete=rng.random() < 0.15), Q(dlq)]
    n = 0

    def publish():
        nonlocal n
        n += 1
        prio = rng.choice([None, 0, 3, 7]) if "x-max-priority" in args else None
        ops.append(P("", q, f"m{n}", priority=prio))

    for _ in range(rng.randint(0, 4)):
        publish()
    tags = []
    for _ in range(rng.randint(6, 16)):
        r = rng.random()
        if r < 0.3:
            publish()
        elif r < 0.45 and len(tags) < (2 if sac else 3):
            tag = f"c{len(tags) + 1}"
            tags.append(tag)
            prio = rng.choice([None, None, 1, 5])
            ops.append(CONSUME(q, tag, prefetch=rng.choice([0, 1, 1, 2, 3]),
                               ack=rng.choice(["manual", "manual", "auto"]),
                               exclusive=rng.random() < 0.1, priority=prio))
        elif r < 0.75:
            kind = rng.choice(["ack", "ack", "nack", "reject"])
            tag = rng.choice(["$first", "$last", "$pick"] * 10 + ["$stale", "$all"])
            if kind == "ack":
                ops.append(ACK(tag, multiple=rng.random() < 0.25))
            elif kind == "nack":
                ops.append(NACK(tag, requeue=rng.random() < 0.6, multiple=rng.random() < 0.25))
            else:
                ops.append(REJ(tag, requeue=rng.random() < 0.6))
        elif r < 0.82 and tags:
            ops.append({"op": "cancel", "consumer_tag": rng.choice(tags)})
        elif r < 0.87 and "close" in caps:
            ops.append({"op": "close"})
        else:
            ops.append(G(q, rng.choice(["manual", "auto"])))
    return case(cid, "consume", "consumers on one queue", ops)


def gen_quorum(rng, cid, caps):
    """One quorum queue (3.10 semantics: requeue to the back without a delivery limit, delivery
    limit with dead-lettering, reject-publish accepting max+1, no priorities)."""
    p = cid + "."
    q, dlq = p + "qq", p + "dlq"
    args = {"x-queue-type": "quorum"}
    if rng.random() < 0.5:
        args["x-delivery-limit"] = rng.randint(0, 2)
    if rng.random() < 0.4:
        args["x-max-length"] = rng.randint(1, 3)
        args["x-overflow"] = rng.choice(["drop-head", "reject-publish"])
    if rng.random() < 0.6:
        args["x-dead-letter-exchange"] = ""
        args["x-dead-letter-routing-key"] = dlq
    ops = [Q(dlq), Q(q, args, durable=True)]
    n = consumers = 0
    for _ in range(rng.randint(2, 6)):
        n += 1
        ops.append(P("", q, f"m{n}", priority=rng.choice([None, None, 1, 8])))
    for _ in range(rng.randint(2, 8)):
        r = rng.random()
        if r < 0.15:
            n += 1
            ops.append(P("", q, f"m{n}"))
            continue
        if r < 0.22 and "close" in caps:
            ops.append({"op": "close"})  # returns the unacknowledged messages (counts as a delivery attempt)
            continue
        if r < 0.3 and "consume" in caps:
            consumers += 1
            ops.append(CONSUME(q, f"c{consumers}", prefetch=rng.randint(1, 2), ack="manual"))
            continue
        ops.append(G(q, "manual" if r < 0.85 else "auto"))
        kind = rng.choice(["nack", "nack", "reject", "ack"])
        if kind == "nack":
            ops.append(NACK("$last", requeue=rng.random() < 0.7))
        elif kind == "reject":
            ops.append(REJ("$last", requeue=rng.random() < 0.7))
        else:
            ops.append(ACK("$last"))
    c = case(cid, "quorum", "one quorum queue", ops)
    c["settle_ms"] = 100
    return c


GENERATORS = [(gen_routing, 0.42), (gen_limits, 0.13), (gen_dlx, 0.11), (gen_ttl, 0.09), (gen_declare, 0.10),
              (gen_consume, 0.10), (gen_quorum, 0.05)]


def random_cases(seed, count, caps):
    out = []
    for i in range(count):
        rng = random.Random(f"switchyard-live:{seed}:{i}")
        r = rng.random()
        acc = 0.0
        for gen, weight in GENERATORS:
            acc += weight
            if r < acc:
                break
        if gen in (gen_consume, gen_quorum) and not {"consume", "get"} <= caps:
            gen = gen_routing  # keeps the count; consumers are compared once the runner has them
        out.append(gen(rng, f"s{seed}c{i}", caps))
    return out
