"""The index: immutable segments (documents, passages, sentences, vectors, postings) listed by
snapshots; a change writes a segment for the changed reports and records deletions."""
