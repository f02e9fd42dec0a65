-- Synthetic load for benchmarks (PostgreSQL): on a database already migrated and seeded
-- with `concord seed report-2010`, adds :stakeholders stakeholders and :contributions
-- published, public, attributed written comments to the seeded consultation, each with
-- one revision of about 1 KB. Run with
--   psql -v stakeholders=2000 -v contributions=200000 -f bench/synthetic.sql DATABASE
-- Run it once per database, then `concord tally rebuild`: rows loaded around the API
-- are not in the kept counts until they are recounted.
\set ON_ERROR_STOP on
BEGIN;

INSERT INTO stakeholder (name, acronym, stakeholder_group, accreditation, country_code,
                         regional_group, website, created_at, updated_at, version)
SELECT 'Synthetic stakeholder ' || g,
       NULL,
       (ARRAY['GOVERNMENT','INTERNATIONAL_ORGANIZATION','CIVIL_SOCIETY','PRIVATE_SECTOR'])[1 + g % 4],
       (ARRAY['MEMBER_STATE','UN_SYSTEM_AGENCY','ECOSOC_CONSULTATIVE_STATUS','ITU_SECTOR_MEMBER'])[1 + g % 4], NULL, NULL, NULL, now(), now(), 1
FROM generate_series(1, :stakeholders) AS g;

CREATE TEMP TABLE synthetic_stakeholder AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
FROM stakeholder WHERE name LIKE 'Synthetic stakeholder %';

INSERT INTO contribution (consultation_id, meeting_id, stakeholder_id, on_behalf_of_group,
                          kind, status, visibility, title, language, latest_revision,
                          withdrawn_reason, submitted_at, published_at, created_at,
                          updated_at, version, attributed, embargoed, agenda_item)
SELECT (SELECT min(id) FROM consultation),
       NULL,
       s.id,
       NULL,
       'WRITTEN_COMMENT', 'PUBLISHED', 'PUBLIC',
       'Synthetic comment ' || g,
       'en', 1, NULL,
       timestamptz '2010-10-01' + g * interval '1 second',
       timestamptz '2010-10-01' + g * interval '1 second',
       timestamptz '2010-10-01' + g * interval '1 second',
       timestamptz '2010-10-01' + g * interval '1 second',
       1, true, false, NULL
FROM generate_series(1, :contributions) AS g
JOIN synthetic_stakeholder s ON s.n = g % (SELECT count(*) FROM synthetic_stakeholder);

INSERT INTO contribution_revision (contribution_id, number, title, body, language,
                                   content_hash, created_at)
SELECT c.id, 1, c.title,
       repeat('Enhanced cooperation on international public policy issues pertaining to the Internet. ', 12),
       'en', md5(c.id::text) || md5(c.title), c.created_at
FROM contribution c
WHERE c.title LIKE 'Synthetic comment %';

COMMIT;
ANALYZE;
