-- The bare SQL of (c) in test/bench/dashboard.sh, run with no trigger of the extension's
-- on agent: what server_maint_mode('enable') then ('disable') do, the lock, the saved
-- states with the hand details, and the same changes of the hand flag and its details,
-- setting maintenance_mode and since / by whom as the extension's row trigger would.
-- With -v history=true it also writes a history row per agent changed, as ours does.
BEGIN;
LOCK TABLE maintmode.agent IN EXCLUSIVE MODE;
INSERT INTO maintmode.saved_state (agent_id, maintenance_mode, hand_reason, hand_set_by,
                                   hand_since, hand_until)
    SELECT id, hand_maintenance, hand_reason, hand_set_by, hand_since, hand_until
      FROM maintmode.agent;
WITH changed AS (
    UPDATE maintmode.agent
       SET hand_maintenance = true, maintenance_mode = true,
           hand_reason = 'server maintenance', hand_since = now(), hand_set_by = current_user
     WHERE NOT hand_maintenance
    RETURNING id, window_maintenance, hand_reason)
INSERT INTO maintmode.maintenance_history (changed_at, agent_id, in_maintenance, path,
                                           reason, session_role, acting_role)
    SELECT now(), id, true, 'server', hand_reason, session_user, current_user
      FROM changed WHERE :history AND NOT window_maintenance;
COMMIT;
BEGIN;
LOCK TABLE maintmode.agent IN EXCLUSIVE MODE;
WITH changed AS (
    UPDATE maintmode.agent a
       SET hand_maintenance = NOT a.hand_maintenance,
           maintenance_mode = NOT a.hand_maintenance OR a.window_maintenance,
           hand_reason = s.hand_reason, hand_set_by = s.hand_set_by,
           hand_since = s.hand_since, hand_until = s.hand_until
      FROM maintmode.agent b LEFT JOIN maintmode.saved_state s ON s.agent_id = b.id
     WHERE a.id = b.id AND b.hand_maintenance <> coalesce(s.maintenance_mode, false)
    RETURNING a.id, a.hand_maintenance, a.window_maintenance, b.hand_reason AS ended_reason)
INSERT INTO maintmode.maintenance_history (changed_at, agent_id, in_maintenance, path,
                                           reason, session_role, acting_role)
    SELECT now(), id, hand_maintenance, 'server', ended_reason, session_user, current_user
      FROM changed WHERE :history AND NOT window_maintenance;
DELETE FROM maintmode.saved_state;
COMMIT;
