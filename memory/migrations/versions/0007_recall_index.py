"""chat recall: rebuild the HNSW index on chat_messages.embedding with m=24, ef_construction=128

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 12:00:00

Measured with ``python -m bench.recall_scale`` (recall is scoped to one user's sessions, so
the index must find that user's rows among everyone's): recall@10 against an exact scan was
0.95 at 100 000 messages with pgvector's defaults (m=16, ef_construction=64) and 0.99 with this
denser graph, for about 1.5 times the build time. At one million it moves only from 0.925 to
0.93-0.95: what remains is chat lines repeated thousands of times ("Tak for det"), whose
identical vectors close up into parts of the graph a search does not leave (``--distinct``,
one vector per text and owner, gives 0.98), and raising hnsw.ef_search to 200 helps less than
it costs (the planner then prefers an exact scan for smaller users at 100 000 messages).

The rebuild reads the whole table: on a large one, raise ``maintenance_work_mem`` (the graph
should fit in it, about 4 kB a message) before migrating.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_chat_messages_embedding_hnsw"


def _create(m: int, ef_construction: int) -> None:
    op.create_index(
        INDEX,
        "chat_messages",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_with={"m": m, "ef_construction": ef_construction},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )


def upgrade() -> None:
    op.drop_index(INDEX, table_name="chat_messages")
    _create(24, 128)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="chat_messages")
    _create(16, 64)
