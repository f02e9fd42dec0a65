-- The statement Concord compiles for one contribution by ID with `stakeholder { name }`
-- (anonymous caller), as PostgreSQL's log shows it.
\set id 122453
SELECT "contribution"."id", "contribution"."title", "contribution"."published_at", "contribution"."attributed", "contribution"."stakeholder_id", "stakeholder"."id", "stakeholder"."name" FROM "contribution" LEFT JOIN "stakeholder" ON "contribution"."stakeholder_id" = "stakeholder"."id" WHERE "contribution"."id" IN (:id) AND "contribution"."status" = 'PUBLISHED' AND "contribution"."visibility" = 'PUBLIC';
