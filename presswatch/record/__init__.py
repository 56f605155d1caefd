"""Record stage: the data model, the database and its single writer."""
