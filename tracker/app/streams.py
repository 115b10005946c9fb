"""Folding a stream into its aggregate state: the one place the shell reads a stream to decide on it."""

from __future__ import annotations

from sqlalchemy import Connection

from tracker.domain import events as ev
from tracker.domain.state import QuestionState, SourceState, evolve_question, evolve_source
from tracker.store import eventstore as es


def load_question(conn: Connection, question_id: str) -> QuestionState:
    state = QuestionState(question_id=question_id)
    for e in es.read_stream(conn, ev.question_stream(question_id)):
        state = evolve_question(state, e.event_type, e.data)
    return state


def load_source(conn: Connection, source_id: str) -> SourceState:
    state = SourceState(source_id=source_id)
    for e in es.read_stream(conn, ev.source_stream(source_id)):
        state = evolve_source(state, e.event_type, e.data)
    return state
