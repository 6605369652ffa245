-- An alert an application inserts for an agent in maintenance is written suppressed:
-- INSERT ... RETURNING (an ORM's create) reads back what is stored.  Alerts already sent
-- (history being loaded) and alerts already suppressed are left as they are.
CREATE EXTENSION maintmode;
\i test/fixtures/fleet.sql
-- hq2 (id 2) and br1 (id 4) are in maintenance, hq1 (id 1) is not.
INSERT INTO maintmode.alert (agent_id, kind, severity, message, email)
VALUES (2, 'overdue', 'error', 'hq2 is overdue', true),
       (1, 'overdue', 'error', 'hq1 is overdue', true),
       (4, 'overdue', 'error', 'br1 is overdue', true)
RETURNING agent_id, suppressed, suppressed_reason;
SELECT agent_id, suppressed, suppressed_reason FROM maintmode.alert ORDER BY id;
-- Already sent: history being loaded, kept as it was.
INSERT INTO maintmode.alert (agent_id, kind, severity, message, email, email_sent_at, last_seen)
VALUES (2, 'overdue', 'error', 'hq2 was overdue', true, '2026-01-01 UTC', '2025-12-31 UTC')
RETURNING agent_id, suppressed, email_sent_at IS NOT NULL AS sent;
-- Already suppressed, with its own reason: kept.
INSERT INTO maintmode.alert (agent_id, kind, severity, message, suppressed, suppressed_reason,
                             last_seen)
VALUES (2, 'overdue', 'error', 'muted', true, 'muted by the application', '2025-12-30 UTC')
RETURNING suppressed_reason;
-- Many rows at once, some agents in maintenance: each row decided on its own.
INSERT INTO maintmode.alert (agent_id, kind, severity, message, email, last_seen)
SELECT a.id, 'overdue', 'warning', 'bulk', true, timestamptz '2026-02-01 UTC' + g * interval '1 minute'
  FROM maintmode.agent a, generate_series(1, 50) g;
SELECT count(*) FILTER (WHERE suppressed) AS suppressed,
       count(*) FILTER (WHERE NOT suppressed) AS live,
       bool_and(suppressed = a.maintenance_mode) AS as_the_agent
  FROM maintmode.alert al JOIN maintmode.agent a ON a.id = al.agent_id
 WHERE message = 'bulk';
DROP VIEW fleet, state_digest;
DROP EXTENSION maintmode;
