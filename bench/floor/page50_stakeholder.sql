-- The statement Concord compiles for the page of 50 with `stakeholder { name }`
-- (anonymous caller), as PostgreSQL's log shows it.
\set after 122453
SELECT "contribution"."id", "contribution"."title", "contribution"."published_at", "contribution"."attributed", "contribution"."stakeholder_id", "stakeholder"."id", "stakeholder"."name" FROM "contribution" LEFT JOIN "stakeholder" ON "contribution"."stakeholder_id" = "stakeholder"."id" WHERE "contribution"."status" = 'PUBLISHED' AND "contribution"."visibility" = 'PUBLIC' AND "contribution"."id" > :after ORDER BY "contribution"."id" ASC LIMIT 51;
