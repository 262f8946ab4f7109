-- sensorbridge store at schema version 1, built by the migration code of that version
PRAGMA user_version = 1;
BEGIN TRANSACTION;
CREATE TABLE calibrations (
        id INTEGER PRIMARY KEY,
        wearer_id INTEGER NOT NULL REFERENCES wearers(id),
        clip_id INTEGER REFERENCES clips(id),
        role INTEGER NOT NULL CHECK (role IN (0, 1)),
        format_version INTEGER NOT NULL,
        created_at REAL NOT NULL,
        in_force_from REAL NOT NULL,
        in_force_until REAL,
        data TEXT NOT NULL
    );
INSERT INTO "calibrations" VALUES(1,1,1,0,1,1780000000.0,1780000000.0,NULL,'{"neutral": [1, 0, 0, 0]}');
CREATE TABLE clips (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL UNIQUE,
        role INTEGER NOT NULL CHECK (role IN (0, 1)),
        firmware TEXT,
        bonded INTEGER NOT NULL DEFAULT 0 CHECK (bonded IN (0, 1)),
        last_seen REAL
    );
INSERT INTO "clips" VALUES(1,'AA:BB:CC:DD:EE:FF',0,'1.0.0',1,NULL);
CREATE TABLE gaps (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        role INTEGER NOT NULL CHECK (role IN (0, 1)),
        t_start REAL NOT NULL,
        t_end REAL NOT NULL CHECK (t_end >= t_start),
        samples_lost INTEGER NOT NULL CHECK (samples_lost >= 0)
    );
INSERT INTO "gaps" VALUES(1,1,0,1780001000.0,1780001001.0,104);
CREATE TABLE intervals (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t_start REAL NOT NULL,
        t_end REAL NOT NULL CHECK (t_end >= t_start),
        state TEXT NOT NULL,
        mean_thoracic_flexion REAL,
        max_thoracic_flexion REAL,
        mean_neck_flexion REAL,
        forward_head_s REAL NOT NULL DEFAULT 0,
        UNIQUE (session_id, t_start)
    );
INSERT INTO "intervals" VALUES(1,1,1780000000.0,1780002000.0,'upright',2.5,NULL,NULL,0.0);
INSERT INTO "intervals" VALUES(2,1,1780002000.0,1780003600.0,'slouched',19.0,NULL,NULL,0.0);
CREATE TABLE session_clips (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        clip_id INTEGER NOT NULL REFERENCES clips(id),
        PRIMARY KEY (session_id, clip_id)
    );
CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        wearer_id INTEGER NOT NULL REFERENCES wearers(id),
        started_at REAL NOT NULL,
        ended_at REAL,
        recording_path TEXT
    );
INSERT INTO "sessions" VALUES(1,1,1780000000.0,1780003600.0,'recordings/a.sbr');
CREATE TABLE slouch_episodes (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t_start REAL NOT NULL,
        t_end REAL NOT NULL CHECK (t_end >= t_start),
        peak_flexion REAL NOT NULL,
        UNIQUE (session_id, t_start)
    );
INSERT INTO "slouch_episodes" VALUES(1,1,1780002000.0,1780003600.0,24.0);
CREATE TABLE wearers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    );
INSERT INTO "wearers" VALUES(1,'me',1780000000.0);
CREATE INDEX calibrations_by_wearer ON calibrations(wearer_id, role, in_force_from);
CREATE INDEX intervals_by_end ON intervals(t_end);
COMMIT;
