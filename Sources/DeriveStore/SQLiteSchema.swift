import GRDB

/// The catalog's schema, as an ordered list of migrations. Never edit a shipped migration: add one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE resources (
                        id INTEGER PRIMARY KEY,
                        resource_type TEXT NOT NULL,
                        type TEXT NOT NULL,
                        public_id TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        blob TEXT NOT NULL,
                        format TEXT NOT NULL,
                        width INTEGER NOT NULL,
                        height INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        created_at DOUBLE NOT NULL,
                        UNIQUE (resource_type, type, public_id)
                    );
                    CREATE INDEX resources_blob ON resources(blob);
                    CREATE TABLE derivatives (
                        id TEXT PRIMARY KEY,
                        resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
                        version INTEGER NOT NULL,
                        transformation TEXT NOT NULL,
                        format TEXT NOT NULL,
                        blob TEXT NOT NULL,
                        bytes INTEGER NOT NULL,
                        width INTEGER NOT NULL,
                        height INTEGER NOT NULL,
                        renderer TEXT NOT NULL,
                        created_at DOUBLE NOT NULL,
                        UNIQUE (resource_id, version, transformation, format)
                    );
                    CREATE INDEX derivatives_blob ON derivatives(blob);
                    """)
        }
        // Lifecycle: integer lookup keys, listing indexes, tags, named transformations, the event log
        // and subscriptions.
        //
        // Content hashes and derivative ids are random, so their indexes are touched at random
        // places: a bulk delete of 5,000 derivatives dirtied most pages of two 64-character TEXT
        // indexes. They are now looked up through `blob_key` / `id_key`, the first 8 bytes of the
        // hash as an integer (a collision only costs an extra row compare: queries also match the
        // full text), which makes those indexes several times smaller. `derivatives` gets an explicit
        // integer primary key (`seq`) for `derivative_names` to reference.
        migrator.registerMigration("v2-lifecycle") { db in
            try db.execute(
                sql: """
                    ALTER TABLE resources ADD COLUMN blob_key INTEGER NOT NULL DEFAULT 0;
                    DROP INDEX resources_blob;
                    CREATE TABLE derivatives_v2 (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL,
                        id_key INTEGER NOT NULL,
                        resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
                        version INTEGER NOT NULL,
                        transformation TEXT NOT NULL,
                        format TEXT NOT NULL,
                        blob TEXT NOT NULL,
                        blob_key INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        width INTEGER NOT NULL,
                        height INTEGER NOT NULL,
                        renderer TEXT NOT NULL,
                        created_at DOUBLE NOT NULL,
                        UNIQUE (resource_id, version, transformation, format)
                    );
                    """)
            for row in try Row.fetchAll(db, sql: "SELECT id, blob FROM resources") {
                let blob: String = row[1]
                try db.execute(
                    sql: "UPDATE resources SET blob_key = ? WHERE id = ?",
                    arguments: [lookupKey(blob), row[0] as Int64])
            }
            for row in try Row.fetchAll(db, sql: "SELECT \(SQLiteCatalog.derivativeColumns) FROM derivatives") {
                let id: String = row[0]
                let blob: String = row[5]
                try db.execute(
                    sql: """
                        INSERT INTO derivatives_v2 (id, id_key, resource_id, version, transformation, format, blob,
                            blob_key, bytes, width, height, renderer, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, lookupKey(id), row[1], row[2], row[3], row[4], blob, lookupKey(blob), row[6], row[7],
                        row[8], row[9], row[10],
                    ])
            }
            try db.execute(
                sql: """
                    DROP TABLE derivatives;
                    ALTER TABLE derivatives_v2 RENAME TO derivatives;
                    CREATE INDEX derivatives_id ON derivatives(id_key);
                    CREATE INDEX derivatives_blob ON derivatives(blob_key);
                    CREATE INDEX resources_blob ON resources(blob_key);

                    -- Listing by created_at (keyset on (created_at, id)) with and without a delivery type.
                    -- Prefix listings and bulk walks use UNIQUE (resource_type, type, public_id).
                    CREATE INDEX resources_by_type_created ON resources(resource_type, type, created_at, id);
                    CREATE INDEX resources_by_created ON resources(resource_type, created_at, id);

                    CREATE TABLE resource_tags (
                        tag TEXT NOT NULL,
                        resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
                        PRIMARY KEY (tag, resource_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX resource_tags_resource ON resource_tags(resource_id);

                    CREATE TABLE named_transformations (
                        name TEXT PRIMARY KEY,
                        definition TEXT NOT NULL,
                        allowed_for_strict INTEGER NOT NULL,
                        created_at DOUBLE NOT NULL,
                        updated_at DOUBLE NOT NULL
                    );
                    -- Which derivatives use which named transformation (t_<name>), so deleting or
                    -- changing one finds its derivatives.
                    CREATE TABLE derivative_names (
                        name TEXT NOT NULL,
                        derivative INTEGER NOT NULL REFERENCES derivatives(seq) ON DELETE CASCADE,
                        PRIMARY KEY (name, derivative)
                    ) WITHOUT ROWID;
                    CREATE INDEX derivative_names_derivative ON derivative_names(derivative);

                    -- The append-only event log. AUTOINCREMENT: a sequence number is never reused,
                    -- even after the newest events are pruned.
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        time DOUBLE NOT NULL,
                        kind TEXT NOT NULL,
                        resource_type TEXT,
                        type TEXT,
                        public_id TEXT,
                        version INTEGER,
                        payload TEXT NOT NULL,
                        notification_url TEXT
                    );
                    CREATE INDEX events_notifications ON events(seq) WHERE notification_url IS NOT NULL;

                    -- Delivery positions in the log (webhooks), with a lease so one node delivers.
                    CREATE TABLE subscriptions (
                        name TEXT PRIMARY KEY,
                        position INTEGER NOT NULL,
                        lease_owner TEXT,
                        lease_until DOUBLE NOT NULL DEFAULT 0
                    );
                    CREATE TABLE delivery_failures (
                        id INTEGER PRIMARY KEY,
                        subscription TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        url TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        error TEXT NOT NULL,
                        time DOUBLE NOT NULL
                    );
                    CREATE INDEX delivery_failures_subscription ON delivery_failures(subscription, id);
                    """)
        }
        // Bulk deletes: `derivatives_id` and `derivatives_blob` are keyed by hashes, so every batch of
        // 5,000 derivative deletes dirtied most pages of both indexes, and each commit wrote them to
        // the WAL again (measured: half the time of a 500,000-derivative delete). The two lookups move
        // to side tables that deletes do not touch. Their entries for deleted rows go stale: every
        // lookup joins `derivatives` on `seq` and compares the full id or hash, so a stale entry is
        // never an answer. `catalog_counters` counts entries and stale entries (`lookup_entries`,
        // `lookup_garbage`) so that the delete path can decide in O(1) to rebuild both tables from the
        // live rows (amortised: when stale entries are three times the live ones; and on `gc`).
        migrator.registerMigration("v3-deferred-lookups") { db in
            try db.execute(
                sql: """
                    CREATE TABLE derivative_ids (
                        id_key INTEGER NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (id_key, seq)
                    ) WITHOUT ROWID;
                    CREATE TABLE derivative_blobs (
                        blob_key INTEGER NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (blob_key, seq)
                    ) WITHOUT ROWID;
                    INSERT INTO derivative_ids SELECT id_key, seq FROM derivatives ORDER BY id_key, seq;
                    INSERT INTO derivative_blobs SELECT blob_key, seq FROM derivatives ORDER BY blob_key, seq;
                    DROP INDEX derivatives_id;
                    DROP INDEX derivatives_blob;
                    CREATE TABLE catalog_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO catalog_counters VALUES ('lookup_garbage', 0);
                    INSERT INTO catalog_counters SELECT 'lookup_entries', count(*) FROM derivatives;
                    """)
        }
        // Originals' blob lookups move to a side table too (`resources_blob` was the third index a
        // bulk delete dirtied all over), counted with the others in `lookup_entries`.
        migrator.registerMigration("v4-resource-blob-lookups") { db in
            try db.execute(
                sql: """
                    CREATE TABLE resource_blobs (
                        blob_key INTEGER NOT NULL,
                        id INTEGER NOT NULL,
                        PRIMARY KEY (blob_key, id)
                    ) WITHOUT ROWID;
                    INSERT INTO resource_blobs SELECT blob_key, id FROM resources ORDER BY blob_key, id;
                    DROP INDEX resources_blob;
                    UPDATE catalog_counters SET value = value + (SELECT count(*) FROM resources)
                        WHERE name = 'lookup_entries';
                    """)
        }
        // Tags and named-transformation links lose their `ON DELETE CASCADE`: SQLite runs a cascade
        // program for every deleted parent row, a sixth of a bulk delete's time. The catalog deletes
        // them itself, in the statements that delete their originals and derivatives.
        migrator.registerMigration("v5-explicit-cascades") { db in
            try db.execute(
                sql: """
                    CREATE TABLE resource_tags_v5 (
                        tag TEXT NOT NULL,
                        resource_id INTEGER NOT NULL,
                        PRIMARY KEY (tag, resource_id)
                    ) WITHOUT ROWID;
                    INSERT INTO resource_tags_v5 SELECT tag, resource_id FROM resource_tags;
                    DROP TABLE resource_tags;
                    ALTER TABLE resource_tags_v5 RENAME TO resource_tags;
                    CREATE INDEX resource_tags_resource ON resource_tags(resource_id);

                    CREATE TABLE derivative_names_v5 (
                        name TEXT NOT NULL,
                        derivative INTEGER NOT NULL,
                        PRIMARY KEY (name, derivative)
                    ) WITHOUT ROWID;
                    INSERT INTO derivative_names_v5 SELECT name, derivative FROM derivative_names;
                    DROP TABLE derivative_names;
                    ALTER TABLE derivative_names_v5 RENAME TO derivative_names;
                    CREATE INDEX derivative_names_derivative ON derivative_names(derivative);
                    """)
        }
        // The delivery generation: every write transaction that can change what a delivery URL
        // answers (uploads, overwrites, deletes, named transformations, tags) adds one, in the same
        // transaction, so a delivery cache in any process sharing this file can tell with one read
        // whether its answers still hold (`SQLiteCatalog.deliveryGeneration()`).
        migrator.registerMigration("v6-delivery-generation") { db in
            try db.execute(sql: "INSERT INTO catalog_counters VALUES ('delivery_generation', 0)")
        }
        // Contextual metadata (Cloudinary's `context`): a JSON object, NULL when there is none.
        migrator.registerMigration("v7-resource-context") { db in
            try db.execute(sql: "ALTER TABLE resources ADD COLUMN context TEXT")
        }
        // Uploads of new ids advance a counter of their own (see `DeliveryGeneration`).
        migrator.registerMigration("v8-creation-generation") { db in
            try db.execute(sql: "INSERT INTO catalog_counters VALUES ('creation_generation', 0)")
        }
        // Batch regeneration (`Derive.regenerate`): a job row checkpoints the request and the keyset
        // position of its walk; batches of originals are claimed with a lease (owner, expiry) so
        // several processes split a job and a killed one's batch is taken over; every finished
        // (original, transformation) item is recorded in the transaction that stores its render, so
        // a resumed run renders nothing twice.
        migrator.registerMigration("v9-regeneration-jobs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE regeneration_jobs (
                        id TEXT PRIMARY KEY,
                        request TEXT NOT NULL,
                        request_key TEXT NOT NULL,
                        state TEXT NOT NULL,
                        position TEXT,
                        exhausted INTEGER NOT NULL DEFAULT 0,
                        batches INTEGER NOT NULL DEFAULT 0,
                        rendered INTEGER NOT NULL DEFAULT 0,
                        unchanged INTEGER NOT NULL DEFAULT 0,
                        failed INTEGER NOT NULL DEFAULT 0,
                        skipped INTEGER NOT NULL DEFAULT 0,
                        bytes INTEGER NOT NULL DEFAULT 0,
                        created_at DOUBLE NOT NULL,
                        updated_at DOUBLE NOT NULL
                    );
                    CREATE INDEX regeneration_jobs_request ON regeneration_jobs(request_key, state);
                    CREATE TABLE regeneration_batches (
                        job TEXT NOT NULL,
                        batch INTEGER NOT NULL,
                        keys TEXT NOT NULL,
                        owner TEXT,
                        lease_until DOUBLE NOT NULL DEFAULT 0,
                        finished INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (job, batch)
                    ) WITHOUT ROWID;
                    CREATE INDEX regeneration_batches_open ON regeneration_batches(job, batch) WHERE finished = 0;
                    CREATE TABLE regeneration_items (
                        job TEXT NOT NULL,
                        item TEXT NOT NULL,
                        batch INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        label TEXT NOT NULL,
                        error TEXT,
                        PRIMARY KEY (job, item)
                    ) WITHOUT ROWID;
                    CREATE INDEX regeneration_items_batch ON regeneration_items(job, batch);
                    """)
        }
        return migrator
    }
}

/// The lookup key of a content hash or derivative id: its first 16 hex digits as a signed 64-bit
/// integer (0 for text that is not hex).
func lookupKey(_ hex: String) -> Int64 {
    Int64(bitPattern: UInt64(hex.prefix(16), radix: 16) ?? 0)
}
