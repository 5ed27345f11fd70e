"""The Milvus engine (``--store milvus``): see :mod:`.store`. pymilvus is imported only when it is
chosen; it needs the ``milvus`` extra (``pip install 'reportqa[milvus]'``)."""
