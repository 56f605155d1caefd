"""Record stage (storage only): the data model, the database and its single writer, migrations, the evidence log."""

__all__: list[str] = []
