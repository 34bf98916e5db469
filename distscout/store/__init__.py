"""Storage: schema, migrations, rotation, claims and queries.

SQLite and PostgreSQL, through SQLAlchemy Core.
"""
