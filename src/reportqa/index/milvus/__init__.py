"""The Milvus engine (``--store milvus``): see :mod:`.store`. Imported only when chosen; it needs the
``milvus`` extra (``pip install 'reportqa[milvus]'``)."""
