#!/usr/bin/env python3
"""gen-openapi.py — OpenAPI 3.1 descriptions of the two HTTPS APIs.

  scripts/gen-openapi.py [--tims build/tims] [--out docs]

docs/openapi.json: the post node (`tims post serve`: the booths' API, the
transparency routes, /metrics, the peer routes the centre uses to rebuild).
docs/openapi-centre.json: the centre (`tims centre serve`: the posts' sync
routes under mutual TLS, the supervisor dashboard).

The routes, the roles allowed on each (x-tims-roles), the body limits and
the passive flag come from the programs' own route tables (`tims post
routes`, `tims centre routes`); the request and response schemas are
written here from the handlers (lib/node, lib/centre). tests/e2e/openapi.sh
regenerates both and fails if the committed files differ, and checks real
answers of a running post and centre against the response schemas.
"""
import argparse
import json
import os
import subprocess

S = lambda **kw: dict(type="string", **kw)
I = lambda **kw: dict(type="integer", **kw)
B = {"type": "boolean"}
N = {"type": "number"}


def obj(props, required=None, extra=True):
    o = {"type": "object", "properties": props}
    o["required"] = sorted(props) if required is None else required
    if not extra:
        o["additionalProperties"] = False
    return o


def arr(items):
    return {"type": "array", "items": items}


ERROR = obj({"error": S(description="a stable code (bad_field, forbidden, ...)"),
             "message": S(description="names the field and the reason; no personal data")})
CHECKPOINT = obj({"origin": S(), "size": I(minimum=0), "root": S(pattern="^[0-9a-f]{64}$")},
                 required=["origin", "size", "root"])
CHECKPOINT_NOTE = dict(CHECKPOINT, properties=dict(CHECKPOINT["properties"], note=S()))
LOGIN_REQ = obj({"officer": S(maxLength=32), "password": S(), "code": S(maxLength=16),
                 "booth": S(maxLength=31)}, required=["officer", "password", "code", "booth"],
                extra=False)
LOGIN_RESP = obj({"token": S(minLength=43, maxLength=43), "officer": S(), "role": S(
    enum=["officer", "supervisor", "analyst", "auditor", "admin"]), "booth": S(),
    "idle_timeout_s": I(), "lang": S(enum=["en", "sq"])}, required=["token", "officer", "role", "idle_timeout_s"])
LIST_STATUS = obj({"list": S(), "kind": S(enum=["persons", "documents", "vehicles"]),
                   "version": I(minimum=0), "active": I(minimum=0), "updated": S(),
                   "age_s": I()})
HELD = obj({"kind": S(enum=["watchlist", "officers", "arrivals"]), "list": S(), "version": I(minimum=1),
            "time_s": I(), "applied_ms": I(), "digest": S(), "alert": S()},
           required=["kind", "list", "version", "time_s", "applied_ms"])
STATUS = obj({
    "origin": S(), "log_size": I(minimum=0),
    "checkpoint": {"oneOf": [CHECKPOINT, {"type": "null"}]},
    "you": obj({"officer": S(), "role": S(), "booth": S()}),
    "screening": obj({"available": B, "lists": arr(LIST_STATUS), "from_centre": arr(HELD),
                      "reason": S()}, required=["available", "lists"]),
    "centre": obj({"configured": B, "centre": S(), "url": S(), "state": S(),
                   "since_ms": I(), "last_ok_ms": I(), "centre_size": I(),
                   "centre_signed_size": I(), "lag": I(), "rounds": I(), "pushes": I(),
                   "last_error": S(),
                   "witnesses": arr(obj({"name": S(), "state": S(enum=["starting", "ok", "down"]),
                                         "cosigned_size": I(), "last_cosigned_ms": I(),
                                         "last_try_ms": I(), "last_error": S()},
                                        required=["name", "state", "cosigned_size"])),
                   "identity_alert": obj({"message": S(), "since_ms": I()}),
                   "events": obj({"pending": I(), "oldest_pending_ms": I(), "last_seq": I(),
                                  "sent": I(), "last_sent_ms": I(), "last_error": S()},
                                 required=["pending", "last_seq", "sent"])},
                  required=["configured", "state"]),
    "server_time_ms": I(),
    # unusual reading raised by the post while offline (docs/alerts.md)
    "unusual_reading": {"oneOf": [{"type": "null"}, obj({
        "interval_s": I(), "audit_read_to": I(),
        "raised_offline": arr(obj({"time_ms": I(), "alert": S()}, required=["time_ms", "alert"]))},
        required=["interval_s", "audit_read_to", "raised_offline"])]},
    "acknowledging": B,
    "clock": obj({"jumps": I(), "last_jump_ms": I(), "last_jump_at_ms": I(), "log_ahead_ms": I()},
                 required=["jumps", "last_jump_ms", "last_jump_at_ms", "log_ahead_ms"]),
    "halted": {"oneOf": [{"type": "null"}, obj({
        "reason": S(), "until": S(enum=["restart", "resolved"]), "procedure": S()},
        required=["reason", "until"])],
        "description": "why the post does not acknowledge crossings (docs/operations.md)"}})
HIT = {"type": "object", "required": ["part", "list", "ref"], "properties": {
    "part": S(enum=["document", "person", "vehicle"]), "list": S(), "ref": S(),
    "version": I(), "discreet": B, "kind": S(), "alert": S(), "status": S(),
    "score": N, "reasons": arr(S()), "name": S(), "instruction": S(), "authority": S()},
    "description": "a hit the booth may see; a discreet-check hit never appears (docs/api.md)"}
PART = obj({"hits": arr(HIT)}, required=["hits"])
STAY = {"oneOf": [{"type": "null"}, obj({"regime": S(), "max_days": I(), "window_days": I(),
                                          "used": I(), "left": I(), "overstay": I(),
                                          "in_country": B, "inconsistent": B})]}
MANUAL = obj({k: S(maxLength=127) for k in ("surname", "given_names", "birth_date", "nationality",
                                             "sex", "doc_number", "issuer", "doc_code", "expiry")},
             required=["surname", "doc_number"])
VISA = obj({"kind": S(enum=["short", "long", "residence"]), "number": S(), "issuer": S(),
            "valid_from": S(), "valid_until": S(), "entries": I(), "duration_days": I()},
           required=["kind", "number", "valid_from", "valid_until"])
VEHICLE = obj({"plate": S(maxLength=20), "country": S(maxLength=3), "vin": S(maxLength=20),
               "make_model": S()}, required=[])
CHIP_REQ = {**obj({"sod": S(maxLength=87384), "dg1": S(maxLength=1368),
                    "dg2": S(maxLength=218456), "dg14": S(maxLength=10924),
                    "dg15": S(maxLength=10924), "aa_challenge": S(pattern="^[0-9a-fA-F]{16}$"),
                    "aa_response": S(maxLength=684)}, required=["sod"]),
            "description": "the chip's files as the booth's reader read them, base64 "
                           "(EF.SOD with its 0x77 tag, raw EF.DGn); the post verifies them "
                           "(docs/epassport.md); no outcome is taken from the booth; "
                           "aa_challenge (POST /api/v1/chip/challenge) and aa_response (the "
                           "chip's answer, base64) together, for active authentication"}
CHIP_RESP = obj({"outcome": S(enum=["not_read", "authenticated", "failed"]),
                 "reasons": arr(S()), "issuing_state": S(), "signer": S(), "altered": B,
                 "detail": S(),
                 "active_authentication": S(enum=["verified", "failed", "not_offered", "not_checked"]),
                 "photo": obj({"type": S(enum=["image/jpeg", "image/jp2"]), "data": S(),
                               "width": I(), "height": I(), "verified": B, "error": S()},
                              required=[])},
                required=["outcome", "altered"])
CHECK_REQ = {**obj({"mrz": S(maxLength=200), "manual": MANUAL, "vehicle": VEHICLE, "visa": VISA,
                    "chip": CHIP_REQ},
                   required=[]),
             "description": "the MRZ as read, or \"manual\": the document typed by hand "
                            "(screened by name and birth date); one of the two; \"chip\": "
                            "the chip's files, when the booth read it"}
CHECK_RESP = obj({"check_id": S(pattern="^[0-9a-f]{32}$"), "manual": B,
                  "document": {"type": "object", "description": "the MRZ's fields, valid, valid_means"},
                  "document_status": obj({"status": S(enum=["ok", "lost", "stolen", "revoked",
                                                            "invalidated", "unknown"]),
                                          "source": S()}, required=["status"]),
                  "stay": STAY, "history_records": I(),
                  "visa": {"oneOf": [{"type": "null"}, {"type": "object"}]},
                  "chip": CHIP_RESP,
                  "prescreen": {**obj({"flight": S(), "date": S(), "arrival": S(),
                                       "arrival_ms": I(),
                                       "outcome": S(enum=["no_hits", "hit", "unavailable"]),
                                       "hits": arr(obj({"part": S(), "list": S(), "ref": S(),
                                                        "alert": S()})),
                                       "message": S()}, required=["outcome"]),
                                "description": "the traveller on a passenger list of a flight "
                                               "arriving at this airport, screened at the centre "
                                               "(docs/paxlst.md \"At the booth\"); absent when on none"},
                  "screening": obj({"status": S(enum=["done", "failed", "unavailable"]),
                                    "available": B, "hits": arr(HIT), "error": S(),
                                    "document": PART, "person": PART, "vehicle": PART},
                                   required=["status", "hits"])},
                 required=["check_id", "document", "screening"])
CROSSING_REQ = obj({
    "check_id": S(pattern="^[0-9a-f]{32}$"), "id": S(maxLength=127),
    "direction": S(enum=["entry", "exit"]),
    "decision": S(enum=["admit", "refuse", "second-line"]), "refusal_codes": arr(S()),
    "confirm_hit": S(description="list/ref of the hit the officer confirms when admitting with it"),
    "vehicle": obj({"plate": S(), "country": S(), "make_model": S(), "vin": S()}, required=[]),
    "role": S(enum=["driver", "passenger"]), "accompanies": I(minimum=0), "relation": S(enum=["companion", "minor", "guardian"]),
    "remarks": S(maxLength=1023),
    "crossed_at": S(description="only within the post's skew of its clock (booth.conf)")},
    required=["check_id", "direction"])
CROSSING_RESP = obj({"index": I(minimum=0), "leaf_hash": S(pattern="^[0-9a-f]{64}$"),
                     "duplicate": B,
                     "checkpoint": {"oneOf": [CHECKPOINT_NOTE, {"type": "null"}]},
                     "inclusion_proof": {"oneOf": [arr(S(pattern="^[0-9a-f]{64}$")),
                                                   {"type": "null"}],
                                         "description": "null only when the record is "
                                         "durable but its proof could not be read back"}})
NATIONAL = obj({"current": B, "as_of": {"oneOf": [S(), {"type": "null"}]}, "as_of_ms": I(),
                "crossings": I(), "note": S(), "error": S()},
               required=["current", "as_of", "as_of_ms", "crossings"])
LAST_CROSSINGS = arr(obj({"date": S(), "direction": S(enum=["entry", "exit"]), "post": S(),
                          "own": B}))
HISTORY = obj({"document": S(), "crossings": arr({"type": "object"}), "stay": STAY,
               "national": NATIONAL, "last_crossings": LAST_CROSSINGS},
              required=["crossings"])
AUDIT = obj({"events": arr(obj({"index": I(), "time_ms": I(), "actor": S(), "role": S(),
                                "action": S(), "status": I()},
                               required=["index", "actor", "action", "status"]))},
            required=["events"])
PROOF = obj({"hashes": arr(S(pattern="^[0-9a-f]{64}$"))}, required=["hashes"])
PERSON = obj({k: S() for k in ("doc_code", "issuer", "number", "surname", "given_names",
                               "nationality", "birth_date", "sex", "expiry")},
             required=["number", "surname"])
HISTORY_SEARCH_REQ = obj({"surname": S(maxLength=127), "given_names": S(maxLength=127),
                          "birth_date": S(maxLength=10), "nationality": S(maxLength=3),
                          "purpose_code": S(maxLength=32), "purpose": S(minLength=8, maxLength=200)},
                         required=["purpose_code", "purpose"], extra=False)
HISTORY_SEARCH = obj({"query": {"type": "object"}, "candidates": I(), "found": I(), "shown": I(),
                      "max_candidates": I(), "limit": I(), "threshold": N,
                      "matches": arr(obj({"surname": S(), "given_names": S(), "birth_date": S(),
                                          "nationality": S(), "sex": S(), "document": S(),
                                          "issuer": S(), "score": N, "reasons": arr(S()),
                                          "crossings": I(), "first_ms": I(), "last_ms": I(),
                                          "last_index": I()}))})
PURPOSES = obj({"purposes": arr(obj({"code": S(), "description": S()})), "text_min": I(),
                "text_max": I()})
ACK = obj({"index": I(minimum=0), "leaf_hash": S(pattern="^[0-9a-f]{64}$"), "duplicate": B,
           "corrects": I(minimum=0)}, required=["index", "leaf_hash", "duplicate"])
CODES = arr(S(maxLength=8))
SECOND_LINE_REQ = obj({"first": I(minimum=0), "decision": S(enum=["admit", "refuse"]),
                       "refusal_codes": CODES, "remarks": S(maxLength=1000), "id": S(maxLength=64)},
                      required=["first", "decision"], extra=False)
CORRECTION_REQ = obj({"corrects": I(minimum=0), "reason": S(minLength=8, maxLength=1000),
                      "direction": S(enum=["entry", "exit"]),
                      "decision": S(enum=["admit", "refuse", "second-line"]),
                      "refusal_codes": CODES, "remarks": S(maxLength=1000),
                      "person": obj({k: S() for k in PERSON["properties"]}, required=[]),
                      "identity_change": B, "id": S(maxLength=64)},
                     required=["corrects", "reason"], extra=False)
APPROVAL = obj({"id": S(pattern="^[0-9a-f]{32}$"), "kind": S(enum=["identity-change", "paper-import"]),
                "state": S(enum=["pending", "approved", "expired"]), "submitter": S(), "reason": S(),
                "created_ms": I(), "expires_ms": I(), "records": I(minimum=1), "approver": S(),
                "decided_ms": I(), "first_index": I(), "crossings": arr({"type": "object"})},
               required=["id", "kind", "state", "submitter", "reason", "created_ms",
                         "expires_ms", "records"])
PENDING = obj({"approval": APPROVAL, "next": S()}, required=["approval"])
PAPER_REQ = obj({"reason": S(minLength=8, maxLength=1000), "crossings": arr(obj({
    "person": PERSON, "direction": S(enum=["entry", "exit"]),
    "decision": S(enum=["admit", "refuse", "second-line"]), "refusal_code": S(),
    "crossed_at": S(description="from the register; in the past"),
    "remarks": S(description="the register's page and line"),
    "role": S(enum=["driver", "passenger"]), "vehicle": {"type": "object"},
    "companions": arr({"type": "object"})}, required=["person", "direction", "crossed_at", "remarks"],
    extra=False))}, extra=False)
APPROVED = obj({"approval": APPROVAL, "records": arr(obj({"index": I(), "leaf_hash": S(),
                                                          "duplicate": B, "error": S()}, required=[]))})

def day_summary(people):
    crossing = obj({"admit": I(), "refuse": I(), "second-line": I(), "total": I()})
    sessions = {"open": I(), "booths": I(description="booths with a session open (not the command line)")}
    if people:
        sessions["list"] = arr(obj({"officer": S(), "role": S(), "booth": S(), "since_ms": I()}))
    return obj({
        "post": S(), "day": S(description="the node's local day, YYYY-MM-DD"), "day_start_ms": I(), "as_of_ms": I(),
        "sessions": obj(sessions, required=list(sessions)),
        "crossings": obj({"entry": crossing, "exit": crossing, "total": I(),
                          "linked": I(description="corrections and second-line outcomes: never a second crossing")}),
        "hits": I(description="hit and admit-with-hit events of the day (discreet hits never counted)"),
        "events": {"type": "object", "description": "the day's events by kind, discreet-hit left out"},
        "watchlists": obj({"lists": arr(obj({"list": S(), "kind": S(), "version": I(), "active": I(), "age_s": I(),
                                             "origin": S(enum=["centre", "local"]), "stale": B})),
                           "centre_checked_age_s": I(), "stale": B, "loaded": B}),
        "sync": obj({"enrolled": B, "state": S(enum=["online", "offline", "starting", "not-enrolled"]),
                     "last_ok_ms": I(), "records_waiting": I(), "audit_waiting": I(), "events_waiting": I()},
                    required=["enrolled", "state"])})


POST_SCHEMAS = {
    ("POST", "/api/v1/session"): (LOGIN_REQ, LOGIN_RESP, "log in: password and TOTP code"),
    ("DELETE", "/api/v1/session"): (None, obj({"logged_out": B}), "log out"),
    ("PUT", "/api/v1/preferences"): (obj({"lang": S(enum=["en", "sq", ""])}, required=["lang"], extra=False),
                                     obj({"lang": S(enum=["en", "sq"]), "chosen": S()}),
                                     "the caller's own language in the consoles (\"\": the installation's)"),
    ("GET", "/api/v1/languages"): (None, obj({"default": S(enum=["en", "sq"]), "available": arr(S())}),
                                   "the consoles' languages and the installation's default"),
    ("GET", "/api/v1/status"): (None, STATUS, "the post's state, polled by consoles (passive)"),
    ("POST", "/api/v1/check"): (CHECK_REQ, CHECK_RESP, "check a traveller: MRZ, watchlists, stay; nothing recorded but the audit event"),
    ("POST", "/api/v1/chip/challenge"): (None, obj({"challenge": S(pattern="^[0-9a-f]{16}$"), "expires_ms": I(), "lifetime_s": I()}),
                                         "a challenge for the chip's active authentication: 8 random bytes, this session, one check, two minutes"),
    ("POST", "/api/v1/crossings"): (CROSSING_REQ, CROSSING_RESP, "register a crossing; 201 once durable and covered by a signed checkpoint"),
    ("GET", "/api/v1/history/{document}"): (None, HISTORY, "a document's history at this post; justified by a crossing of this session or a listed purpose and a statement; counted against the officer's hourly limit"),
    ("POST", "/api/v1/history/search"): (HISTORY_SEARCH_REQ, HISTORY_SEARCH, "a person found in this post's history by name, as screening compares names (one row per document, score and reasons, at most 50 shown); a listed purpose and a statement required; audited; counted against the officer's hourly history limit; 422 too_many_candidates past 5000 records to compare"),
    ("GET", "/api/v1/purposes"): (None, PURPOSES, "the purposes a history read may state"),
    ("GET", "/api/v1/refusal-reasons"): (None, obj({"reasons": arr(obj({"code": S(), "text": S()}))}), "the refusal codes this post accepts (booth.conf; default Annex V Part B)"),
    ("POST", "/api/v1/second-line"): (SECOND_LINE_REQ, ACK, "the second line's outcome of a referral: a record linked to it"),
    ("POST", "/api/v1/corrections"): (CORRECTION_REQ, {"oneOf": [ACK, PENDING]}, "a supervisor's correction of the same document (201); an identity change waits for a second supervisor (202)"),
    ("POST", "/api/v1/paper-imports"): (PAPER_REQ, PENDING, "a paper register re-entered after an outage; appended once a second supervisor approves (202)"),
    ("GET", "/api/v1/approvals"): (None, obj({"approvals": arr(APPROVAL)}), "requests for a second person's approval, last 30 days"),
    ("GET", "/api/v1/approvals/{id}"): (None, APPROVAL, "one request with its records"),
    ("POST", "/api/v1/approvals/{id}/approve"): (None, APPROVED, "the second person approves; the records are appended"),
    ("GET", "/api/v1/audit"): (None, AUDIT, "the audit log, for auditors"),
    ("GET", "/api/v1/supervisor/summary"): (None, day_summary(True), "the post today from its own stores (no centre needed): sessions open with officer and booth, crossings by direction and decision, hits and events, watchlists' versions and ages, what waits for the centre; audited; polled (passive)"),
    ("GET", "/api/v1/wall"): (None, day_summary(False), "the wall display's counts (the same, without the sessions list): the post's wall key only (Authorization: Wall KEY, tims post wall-key); no session opens it"),
    ("GET", "/api/v1/checkpoint"): (None, "text/plain", "the latest signed checkpoint (C2SP signed note)"),
    ("GET", "/api/v1/proof/inclusion"): (None, PROOF, "an inclusion proof (RFC 9162)"),
    ("GET", "/api/v1/proof/consistency"): (None, PROOF, "a consistency proof (RFC 9162)"),
    ("GET", "/metrics"): (None, "text/plain", "Prometheus metrics; no personal data"),
    ("GET", "/api/v1/peer/export"): (None, {"type": "object"}, "a batch of the log (docs/sync.md), for the centre's rebuild"),
    ("GET", "/api/v1/peer/cosigned"): (None, obj({"cosigned": arr(obj({"cosigner": S(), "note": S()}))}), "the latest cosigned checkpoints this post kept"),
}

STORE_STATE = obj({"backend": S(enum=["sqlite", "postgresql"]), "state": S(enum=["connected", "down"]),
                   "since_ms": I(), "last_error": S(), "last_error_ms": I(), "next_try_ms": I(),
                   "failures": I(), "reconnects": I(), "repair_pending": B},
                  required=["backend", "state", "since_ms", "failures", "reconnects", "repair_pending"])
POST_STATUS = obj({"name": S(), "origin": S(), "revoked": B, "state": S(enum=["online", "offline", "revoked"]),
                   "records": I(), "signed_size": I(), "last_sync_ms": I(), "lag_s": I()})
EVENT_KINDS = ["hit", "discreet-hit", "admit-with-hit", "correction", "identity-change",
               "paper-import", "limit-exceeded", "impostor", "second-line"]
EVENT_PROPS = {"kind": S(enum=EVENT_KINDS), "time_ms": I(minimum=0), "officer": S(maxLength=127),
               "booth": S(maxLength=127), "check_id": S(maxLength=127), "document": S(maxLength=127),
               "issuer": S(maxLength=127), "nationality": S(maxLength=127), "detail": S(maxLength=1023),
               "crossing": I(minimum=0), "decision": S(enum=["admit", "refuse", "second-line"]),
               "hits": {"type": "array", "maxItems": 8, "items": obj({
                   "part": S(enum=["document", "person", "vehicle"]), "discreet": B, "list": S(maxLength=127),
                   "ref": S(maxLength=127), "alert": S(maxLength=127), "version": I(minimum=0),
                   "score_pm": I(minimum=0, maximum=1000)}, required=["part"], extra=False)},
               "companions": {"type": "array", "maxItems": 16, "items": obj({
                   "relation": S(enum=["companion", "minor", "guardian"]), "issuer": S(maxLength=127),
                   "doc_number": S(maxLength=127)}, required=["relation", "doc_number"], extra=False)},
               "vehicle": obj({"plate": S(maxLength=127), "country": S(maxLength=127)}, required=[], extra=False)}
EVENT_WIRE = obj(dict(EVENT_PROPS, seq=I(minimum=1)), required=["seq", "kind", "time_ms"], extra=False)
EVENT_SEEN = obj(dict(EVENT_PROPS, id=I(), origin=S(), post={"type": ["string", "null"]}, seq=I(),
                      received_ms=I(), alert_id={"oneOf": [{"type": "integer"}, {"type": "null"}]}, acknowledged=B,
                      acknowledged_by=S(), highlight=B),
                 required=["id", "origin", "post", "seq", "kind", "time_ms", "received_ms", "alert_id",
                           "acknowledged", "highlight"])
EXPORT = obj({"id": S(pattern="^[0-9a-f]{32}$"), "kind": S(enum=["present", "history", "person", "overstays", "post-log"]),
              "params": {"type": "object"}, "purpose": S(), "recipient": S(pattern="^[0-9a-f]{64}$"),
              "requested_by": S(), "requester_role": S(), "created_ms": I(), "expires_ms": I(),
              "state": S(enum=["pending", "approving", "approved", "fetched", "expired"]), "fetches": I(),
              "fetch_max": I(), "approved_by": S(), "approver_role": S(), "approved_ms": I(), "rows": I(),
              "sealed_bytes": I(), "sealed_sha256": S(pattern="^[0-9a-f]{64}$"),
              "plaintext_sha256": S(pattern="^[0-9a-f]{64}$")},
             required=["id", "kind", "params", "purpose", "recipient", "requested_by", "requester_role",
                       "created_ms", "expires_ms", "state", "fetches", "fetch_max"], extra=False)
CENTRE_SCHEMAS = {
    ("GET", "/api/v1/sync/state"): (None, obj({"origin": S(), "size": I(), "signed_size": I()}), "what the centre holds of the calling post's log"),
    ("POST", "/api/v1/sync/push"): ("batch", obj({"size": I(), "added": I(), "repeated": I(), "complete": B, "cosignature": S()}, required=["size", "added"]), "push a batch of the post's log (docs/sync.md)"),
    ("GET", "/api/v1/sync/export"): (None, {"type": "object"}, "a batch of the calling post's own log, from the mirror (restore); audited at the centre first"),
    ("GET", "/api/v1/sync/audit-state"): (None, obj({"origin": S(), "size": I(), "signed_size": I()}), "what the centre holds of the calling post's audit log (docs/audit.md)"),
    ("POST", "/api/v1/sync/audit-push"): ("batch", obj({"size": I(), "added": I(), "repeated": I(), "complete": B, "cosignature": S()}, required=["size", "added"]), "push a batch of the post's audit log; 409 when it forks from or is smaller than the mirror (a severe alert)"),
    ("GET", "/api/v1/sync/bundles"): (None, obj({"centre": S(), "bundles": arr(obj({"kind": S(), "list": S(), "post": S(), "list_kind": S(), "airport": S(), "version": I(), "digest": S()}, required=["kind", "version"]))}), "the bundles the calling post may fetch"),
    ("GET", "/api/v1/sync/bundle"): (None, obj({"note": S(), "payload": S()}, extra=False), "a signed bundle: a watchlist (whole or since a version), the post's roster (?kind=officers) or, for an airport post, the screened passenger lists of its airport (?kind=arrivals; audited as sync.arrivals)"),
    ("POST", "/api/v1/sync/events"): (obj({"events": arr(EVENT_WIRE)}, extra=False), obj({"stored": I(), "repeated": I(), "last_seq": I()}), "a post's events, each (post, seq) stored once; the post is the certificate's (docs/sync.md, Events)"),
    ("GET", "/api/v1/centre/status"): (None, obj({"posts": arr({"type": "object"}), "store": STORE_STATE, "db_stopped": B, "audit_stopped": B}, required=["posts", "store", "db_stopped", "audit_stopped"]), "posts and their sync state: sizes and times; the query store's state; whether centre.db or the centre's audit log stopped on an I/O error (until a restart: requests the audit log cannot record are answered 503 halted); no personal data"),
    ("GET", "/metrics"): (None, "text/plain", "Prometheus metrics: the query store's state, the mirrors; no personal data"),
    ("GET", "/api/v1/sync/travel"): (None, obj({"feed": S(pattern="^[0-9a-f]{32}$"), "since": I(), "next": I(), "more": B, "rows": arr(obj({"seq": I(), "post": S(), "index": I(), "counts": B, "issuer": S(), "document": S(), "nationality": S(), "direction": S(enum=["entry", "exit"]), "at_ms": I(), "visa": obj({"kind": S(enum=["short", "long", "residence"]), "valid_from": S(), "valid_until": S(), "entries": I(), "duration_days": I()})}, required=["seq", "post", "index", "counts"]))}, extra=False), "the national travel feed: every crossing changed after ?since= (at most ?limit=), as it now stands, for the posts' replicas (docs/sync.md)"),
    ("POST", "/api/v1/sync/totp-claim"): (obj({"id": S(pattern="^[0-9a-f]{32}$"), "officer": S(), "step": I(), "digest": S(pattern="^[0-9a-f]{32}$"), "booth": S(), "time_ms": I(), "offline": B}, extra=False), obj({"claimed": B, "repeat": B}), "a login's TOTP step claimed once across the posts; 409 totp_reused names the post that used the code (docs/sync.md, TOTP claims)"),
    ("GET", "/api/v1/sync/keys"): (None, obj({"announcements": arr(S())}, extra=False), "the centre's key announcements, oldest first: each a signed note handing the cosigner or bundle key over to its successor, signed by both (docs/keys.md)"),
    ("GET", "/api/v1/sync/revocations"): (None, "application/x-pem-file", "the revocation list signed by the centre's CA (an X.509 CRL, PEM) that posts keep and check every peer against (docs/sync.md)"),
    ("POST", "/api/v1/sync/renew"): (obj({"csr": S()}, required=["csr"], extra=False), obj({"certificate": S()}), "a post's next client certificate, for the key of its CSR (PEM), asked with the certificate it holds; audited (docs/keys.md)"),
    ("POST", "/api/v1/renew"): (obj({"request": S(), "csr": S()}, required=["request", "csr"], extra=False), obj({"certificate": S()}), "a post's client certificate renewed by proof of possession of its log key: a signed note naming the post, the time, a nonce and the CSR's SHA-256; refused when replayed (409), stale (409), not signed by the pinned key (401), for a revoked post (403); audited (docs/keys.md)"),
    ("GET", "/api/v1/revocations"): (None, obj({"note": S(), "payload": S()}, extra=False), "the centre's signed revocation list (posts, witnesses, keys, serials, the CAs to trust), signed by its bundle key; posts and witnesses keep the newest (docs/keys.md)"),
    ("POST", "/api/v1/session"): (obj({"officer": S(), "password": S(), "code": S(), "booth": S()}, required=["officer", "password", "code"], extra=False), LOGIN_RESP, "dashboard login (not for booth officers)"),
    ("DELETE", "/api/v1/session"): (None, obj({"logged_out": B}), "log out"),
    ("PUT", "/api/v1/preferences"): (obj({"lang": S(enum=["en", "sq", ""])}, required=["lang"], extra=False),
                                     obj({"lang": S(enum=["en", "sq"]), "chosen": S()}),
                                     "the caller's own language in the dashboard (\"\": the installation's)"),
    ("GET", "/api/v1/languages"): (None, obj({"default": S(enum=["en", "sq"]), "available": arr(S())}),
                                   "the dashboard's languages and the installation's default"),
    ("GET", "/api/v1/dashboard/posts"): (None, obj({"centre": S(), "isolated": B, "now_ms": I(), "online": I(), "offline": I(), "posts": arr(POST_STATUS)}), "posts online/offline and their lag (passive)"),
    ("GET", "/api/v1/dashboard/traffic"): (None, obj({"from": I(), "to": I(), "total": I(), "by": arr(S()), "groups": arr({"type": "object"})}), "crossings per post and hour (passive)"),
    ("GET", "/api/v1/dashboard/hits"): (None, obj({"from": I(), "to": I(), "hits": arr(obj({"origin": S(), "index": I(), "time": I(), "direction": S(), "decision": S(), "screening": S(), "screen_status": S(), "hits": arr({"type": "object"}), "confirmed_hit": S()}, required=["origin", "index", "time", "direction", "decision"]))}), "crossings with watchlist hits (the records' structured hits; version 1 records: their summary), no names (audited)"),
    ("GET", "/api/v1/dashboard/alerts"): (None, obj({"alerts": arr(obj({"id": I(), "time_ms": I(), "kind": S(), "origin": S(), "detail": S(), "count": I(), "first_ms": I(), "last_ms": I(), "severe": B, "state": S(), "acknowledged_ms": I(), "acknowledged_by": S(), "assigned_to": S(), "assigned_by": S()}, required=["id", "time_ms", "kind", "detail", "count", "first_ms", "last_ms", "severe", "state"])), "closed": arr(obj({"id": I(), "kind": S(), "detail": S(), "closed_ms": I(), "closed_by": S(), "note": S()}))}), "the alerts queue: severe ones first, kept until closed; others until acknowledged; ?closed=N the N last closed (passive)"),
    ("POST", "/api/v1/dashboard/alerts/ack"): (obj({"id": I()}, extra=False), obj({"id": I(), "acknowledged": B, "by": S()}), "acknowledge an alert (audited); 404 if it is not open"),
    ("POST", "/api/v1/dashboard/alerts/assign"): (obj({"id": I(), "officer": S()}, extra=False), obj({"id": I(), "assigned_to": S(), "by": S()}), "assign an alert to an officer of the centre (audited; acknowledges it); 404 once closed"),
    ("POST", "/api/v1/dashboard/alerts/close"): (obj({"id": I(), "note": S()}, extra=False), obj({"id": I(), "closed": B, "by": S()}), "close an alert with a note (audited); 404 if unknown or closed"),
    ("GET", "/api/v1/dashboard/events"): (None, obj({"events": arr(EVENT_SEEN), "total": I(), "unacknowledged_admit_with_hit": I(), "limit": I(), "offset": I()}), "events from the posts; ?kind= &post= &limit= &offset=; unacknowledged admissions with a hit first (supervisors, audited, passive)"),
    ("GET", "/api/v1/dashboard/overstays"): (None, obj({"on": S(), "total": I(), "overstays": arr({"type": "object"})}), "overstays; needs ?purpose= (audited)"),
    ("GET", "/api/v1/dashboard/arrivals"): (None, obj({"flights": arr(obj({"flight": S(), "date": S(), "departure_airport": S(), "departure_time": S(), "arrival_airport": S(), "arrival_time": S(), "version": I(), "versions": I(), "travellers": I(), "hits": I(), "received_ms": I()})), "total": I(), "shown": I()}), "the pre-arrival list: flights whose passenger lists the centre holds, expected from 24 hours ago on (?date=YYYY-MM-DD: that UTC day; ?airport=XXX: arriving there), with counts and hits, no traveller; at most 500 shown, total says how many there are (docs/paxlst.md); needs ?purpose= (audited with the filters); another parameter or a bad value: 400 bad_query naming it"),
    ("GET", "/api/v1/dashboard/arrivals/report"): (None, obj({"kind": S(enum=["no-show", "unlisted"]), "date": S(), "hours": I(), "airports": arr(obj({"code": S(), "posts": arr(S())})), "flights": I(), "flights_open": I(), "travellers": I(), "crossings": I(), "total": I(), "shown": I(), "names": B, "names_withheld": B, "rows": arr(obj({"airport": S(), "flight": S(), "date": S(), "arrival_time": S(), "version": I(), "position": I(), "role": S(), "nationality": S(), "no_document": B, "hits": I(), "post": S(), "index": I(), "time_ms": I(), "decision": S(), "issuer": S(), "surname": S(), "given_names": S()}))}, required=["kind", "date", "hours", "airports", "total", "shown", "rows"]), "after arrival (docs/paxlst.md): ?kind=no-show: the travellers of the current list of each flight expected on ?date= (UTC day; ?airport=XXX) with no entry crossing at the airport's posts (DIR/airports.conf) from 3 hours before to ?hours=N (1-168, default 6) after the expected arrival, flights still within N hours counted open; ?kind=unlisted: the entry crossings at the airport's posts that day whose document (number and issuing state, matched by blind index) is on no list; names count against the daily export limit (names_withheld when refused); needs ?purpose= (audited as dashboard.arrivals.report); a bad value 400 bad_query naming it; an airport with no post known 404 airport_unknown; a store that cannot be read 503"),
    ("POST", "/api/v1/dashboard/search"): (obj({"kind": S(enum=["document", "person"]), "purpose": S(minLength=3, maxLength=200), "doc": S(), "issuer": S(), "surname": S(), "given_names": S(), "birth_date": S(), "nationality": S()}, required=["kind", "purpose"], extra=False), HISTORY, "a national search, with a purpose (audited); 403 export_needs_approval past the daily export limit"),
    ("GET", "/api/v1/reports/table"): (None, obj({"table": S(enum=["crossings", "refusals", "vehicles", "hits"]), "period": S(enum=["all", "day", "month", "year"]), "by": arr(S()), "from": S(), "to": S(), "min_cell": I(), "suppressed": I(), "total": I(), "rows": arr(obj({"period": S(), "post": S(), "nationality": S(), "direction": S(), "decision": S(), "reason": S(), "kind": S(), "country": S(), "count": {"oneOf": [{"type": "integer"}, {"type": "null"}]}, "suppressed": B}, required=["count"]))}, required=["table", "period", "by", "from", "to", "min_cell", "suppressed", "total", "rows"]), "statistics: ?table=crossings|refusals|vehicles|hits &from=&to= (YYYY-MM-DD, UTC, both included) &period=all|day|month|year &by=post,nationality,direction,decision,reason,kind,country &min_cell=0-100; counts of the standing crossings (a corrected record once), no personal data; 400 bad_query naming the field; audited (report.table)"),
    ("GET", "/api/v1/reports/overstays"): (None, obj({"on": S(), "min_cell": I(), "suppressed": I(), "total": I(), "rows": arr(obj({"nationality": S(), "count": {"oneOf": [{"type": "integer"}, {"type": "null"}]}, "suppressed": B}, required=["nationality", "count"]))}, required=["on", "min_cell", "suppressed", "total", "rows"]), "overstays on ?on= (YYYY-MM-DD, default today) counted by nationality, no names; &min_cell=; audited (report.overstays)"),
    ("GET", "/api/v1/reports/monthly"): (None, obj({"month": S(), "from": S(), "to": S(), "min_cell": I(), "suppressed": I(), "posts": arr(S()), "rows": arr(obj({"nationality": S(), "cells": arr(arr({"oneOf": [{"type": "integer"}, {"type": "null"}]})), "entries": {"oneOf": [{"type": "integer"}, {"type": "null"}]}, "exits": {"oneOf": [{"type": "integer"}, {"type": "null"}]}, "refused": {"oneOf": [{"type": "integer"}, {"type": "null"}]}})), "totals": obj({"cells": arr(arr(I())), "entries": I(), "exits": I(), "refused": I()})}, required=["month", "posts", "rows", "totals"]), "the monthly statistics of ?month=YYYY-MM: entries and exits of admitted travellers by nationality (rows) and post (cells: [entries, exits] in the order of posts), refused entries, with totals; &min_cell=; audited (report.monthly)"),
    ("POST", "/api/v1/exports"): (obj({"kind": S(enum=["present", "history", "person", "overstays", "post-log"]), "purpose": S(minLength=3, maxLength=200), "recipient_key": S(pattern="^[0-9a-fA-F]{64}$"), "params": {"type": "object"}}, required=["kind", "purpose", "recipient_key"], extra=False), EXPORT, "ask for a two-person export of personal data, sealed to the recipient's X25519 key (docs/export.md; audited)"),
    ("GET", "/api/v1/exports"): (None, obj({"exports": arr(EXPORT)}, extra=False), "export requests of the last ?days= (default 7)"),
    ("GET", "/api/v1/exports/{id}"): (None, EXPORT, "one export request, with its hashes once approved"),
    ("POST", "/api/v1/exports/{id}/approve"): (None, EXPORT, "the second person, of the other role: the result is made, sealed and audited with both people and its SHA-256; 403 export_denied (the requester, the same role), 409 export_state (approved already, expired)"),
    ("POST", "/api/v1/exports/{id}/fetch"): (None, "application/octet-stream", "the requester takes the sealed result (fetch_max times, audited); 403 for anyone else, 409 when fetched already or expired"),
    ("GET", "/api/v1/audit/search"): (None, obj({"total": I(), "page": I(), "page_size": I(),
        "logs": arr(obj({"post": S(), "origin": S(), "checkpoint": S(), "size": I(), "keys": arr(S())},
                        required=["post", "origin", "checkpoint", "size", "keys"])),
        "results": arr(obj({"post": S(), "index": I(), "entry": S(), "erased": B, "salt": S(), "event": S(),
                            "proof": arr(S()), "size": I(), "problem": S()}, required=["post", "index"]))}),
        "the audit logs (the centre's, the posts' mirrored): ?officer= &doc= &from= &to= &purpose= &post= "
        "&page= &page_size=; each event's bytes, salt, entry and inclusion proof to the signed checkpoint "
        "of its log, with the verifier keys (auditors; the search is audited)"),
}

ERRS = {"400": "malformed request: the message names the field", "401": "no valid session (or no client certificate)",
        "403": "the role may not (or the certificate is revoked)", "404": "no such route or item",
        "413": "body too large", "415": "not application/json", "500": "internal error, or the audit log cannot be written: nothing answered"}


def routes(tims, kind):
    out = subprocess.run([tims, kind, "routes"], capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def document(title, desc, rs, schemas, bearer_desc):
    paths = {}
    for r in rs:
        key = (r["method"], r["path"])
        req, resp, summary = schemas[key]
        op = {"summary": summary, "x-tims-roles": r["roles"], "x-tims-body-max": r["body_max"]}
        if r["passive"]:
            op["x-tims-passive"] = True
        if r["roles"] == ["public"]:
            op["security"] = []
        elif r["roles"] == ["peer"]:
            op["security"] = [{"mutualTLS": []}]
        elif r["roles"] == ["wall"]:
            op["security"] = [{"wallKey": []}]
        else:
            op["security"] = [{"session": []}]
        if req == "batch":
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"type": "object", "description": "a sync batch (docs/sync.md)"}}}}
        elif req:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": req}}}
        ok = {("POST", "/api/v1/crossings"): "201", ("POST", "/api/v1/second-line"): "201",
              ("POST", "/api/v1/corrections"): "201", ("POST", "/api/v1/paper-imports"): "202",
              ("POST", "/api/v1/approvals/{id}/approve"): "201", ("POST", "/api/v1/exports"): "201"}.get(key, "200")
        if resp in ("text/plain", "application/x-pem-file", "application/octet-stream"):
            content = {resp: {"schema": S()}}
        else:
            content = {"application/json": {"schema": resp}}
        responses = {ok: {"description": "success", "content": content}}
        if key == ("POST", "/api/v1/corrections"):
            responses["201"]["content"]["application/json"]["schema"] = ACK
            responses["202"] = {"description": "an identity change: stored for a second supervisor's approval",
                                "content": {"application/json": {"schema": PENDING}}}
            responses["409"] = {"description": "identity_change: person fields differ and identity_change is not set; erased",
                                "content": {"application/json": {"schema": ERROR}}}
        if key == ("POST", "/api/v1/approvals/{id}/approve"):
            responses["403"] = {"description": "self_approval: the submitter may not approve",
                                "content": {"application/json": {"schema": ERROR}}}
            responses["409"] = {"description": "not_pending: already approved, or expired",
                                "content": {"application/json": {"schema": ERROR}}}
        if key in (("POST", "/api/v1/check"), ("GET", "/api/v1/history/{document}"),
                   ("POST", "/api/v1/history/search")):
            responses["429"] = {"description": "limit_exceeded: the officer's hourly limit (Retry-After)",
                                "content": {"application/json": {"schema": ERROR}}}
        if key == ("POST", "/api/v1/history/search"):
            for code, d in (("422", "too_many_candidates: more than 5000 records to compare; give "
                             "the full birth date or more of the name (refused whole, never cut)"),
                            ("503", "token_unavailable: the key token is out; no answer rather "
                             "than an empty one")):
                responses[code] = {"description": d, "content": {"application/json": {"schema": ERROR}}}
        if key == ("POST", "/api/v1/sync/push"):
            responses["503"] = {"description": "the centre's query store is unreachable: nothing was taken, push again",
                                "content": {"application/json": {"schema": ERROR}}}
            responses["507"] = {"description": "storage_full: the centre's disk is full, nothing was taken; push again",
                                "content": {"application/json": {"schema": ERROR}}}
        if key == ("POST", "/api/v1/sync/events"):
            responses["503"] = {"description": "halted: centre.db stopped on an I/O error until the centre is "
                                "restarted; nothing was stored, send again",
                                "content": {"application/json": {"schema": ERROR}}}
        if key == ("POST", "/api/v1/crossings"):
            responses["200"] = {"description": "a retry with the same id: the first index, duplicate true",
                                "content": {"application/json": {"schema": CROSSING_RESP}}}
            for code, d in (("404", "check_not_usable: no such check at this post"),
                            ("409", "conflict: the check is used, its screening failed or its "
                             "document failed its MRZ checks (no admission), a hit is not "
                             "confirmed; not_recorded: the id is already another record's"),
                            ("410", "check_not_usable: the check is older than its lifetime"),
                            ("503", "halted (nothing recorded) or not_confirmed (an I/O error: "
                             "the post stopped; retry with the same id after its restart)"),
                            ("507", "storage_full: the post's disk is full, nothing recorded")):
                responses[code] = {"description": d, "content": {"application/json": {"schema": ERROR}}}
        if key == ("POST", "/api/v1/session"):
            hdr = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
            responses["429"] = {"description": "too many attempts from this address or for this account "
                                "(docs/security.md, Logins): refused before any hash", "headers": hdr,
                                "content": {"application/json": {"schema": ERROR}}}
            responses["503"] = {"description": "every hashing slot is busy and the queue is full; or "
                                "halted: the audit log stopped after an I/O error, nothing is answered "
                                "that it cannot record, until the restart", "headers": hdr,
                                "content": {"application/json": {"schema": ERROR}}}
            responses["507"] = {"description": "storage_full: the disk is full and the audit log could "
                                "not record the login; nothing is answered; again once there is space",
                                "content": {"application/json": {"schema": ERROR}}}
        if key == ("POST", "/api/v1/check"):
            responses["503"] = {"description": "screening_failed: a watchlist lookup failed; the message names "
                                "what failed, the screening says failed (never \"no hits\"); the check "
                                "id can register a refusal or a second-line referral, not an admission",
                                "content": {"application/json": {"schema": ERROR}}}
            responses["422"] = {"description": "unreadable_document: the MRZ could not be read; "
                                "\"manual\" names the route to check it typed by hand",
                                "content": {"application/json": {"schema": ERROR}}}
        for code, d in ERRS.items():
            if code == "401" and r["roles"] == ["public"] and key[1] != "/api/v1/session":
                continue
            responses[code] = {"description": d, "content": {"application/json": {"schema": ERROR}}}
        op["responses"] = responses
        if "{document}" in r["path"]:
            op["parameters"] = [{"name": "document", "in": "path", "required": True, "schema": S()}]
        paths.setdefault(r["path"], {})[r["method"].lower()] = op
    doc = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1", "description": desc},
        "servers": [{"url": "https://127.0.0.1:{port}", "variables": {"port": {"default": "8443"}}}],
        "components": {"securitySchemes": {
            "session": {"type": "http", "scheme": "bearer", "description": bearer_desc},
            "wallKey": {"type": "apiKey", "in": "header", "name": "Authorization", "description":
                        "\"Wall KEY\": the post's wall-display key (tims post wall-key, docs/supervisor.md); "
                        "it opens GET /api/v1/wall and nothing else"},
            "mutualTLS": {"type": "mutualTLS", "description":
                          "a client certificate issued by the centre's CA to one enrolled post, "
                          "with the post-client role (docs/sync.md, Identity)"}},
            "schemas": {"Error": ERROR}},
        "paths": paths,
    }
    if not any(r["roles"] == ["wall"] for r in rs):
        del doc["components"]["securitySchemes"]["wallKey"]
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tims", default="build/tims")
    ap.add_argument("--out", default="docs")
    a = ap.parse_args()
    post = document("TIMS post node API (/api/v1)",
                    "The border post's HTTPS API (tims post serve): the booths, auditors, "
                    "the transparency routes and the centre's rebuild. The checks every "
                    "request passes before a handler, and the permission matrix: docs/api.md.",
                    routes(a.tims, "post"), POST_SCHEMAS,
                    "the token of POST /api/v1/session (officer, password and TOTP code)")
    centre = document("TIMS centre API (/api/v1)",
                      "The national centre's HTTPS API (tims centre serve): the posts' sync "
                      "routes under mutual TLS (docs/sync.md, docs/bundles.md) and the "
                      "supervisor dashboard (docs/dashboard.md).",
                      routes(a.tims, "centre"), CENTRE_SCHEMAS,
                      "the token of POST /api/v1/session at the centre")
    for name, doc in (("openapi.json", post), ("openapi-centre.json", centre)):
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
