-- The demo's sample fleet: three clients, six sites (one without agents), twelve
-- agents online, offline, overdue (with and without overdue alert flags) and never
-- seen, one already in maintenance by hand; checks and tasks passing, failing and
-- pending at every severity.
INSERT INTO maintmode.client (name) VALUES ('Acme Corp'), ('Globex'), ('Initech');

INSERT INTO maintmode.site (client_id, name)
SELECT c.id, s.site
  FROM (VALUES ('Acme Corp', 'London HQ'), ('Acme Corp', 'Paris Office'),
               ('Globex', 'Datacenter'), ('Globex', 'Warehouse'),
               ('Initech', 'Main Office'), ('Initech', 'Remote')) s (client, site)
  JOIN maintmode.client c ON c.name = s.client;

INSERT INTO maintmode.agent (site_id, hostname, last_seen, maintenance_mode,
                             overdue_email_alert, overdue_text_alert, overdue_dashboard_alert)
SELECT s.id, a.hostname, pg_catalog.now() - a.seen_ago, a.maintenance, a.email, a.sms, a.dashboard
  FROM (VALUES
        -- client,   site,          hostname,    last seen ago,          maint, e-mail, sms,  dashboard
        ('Acme Corp', 'London HQ',    'lon-web01', interval '1 minute',   false, false, false, false),
        ('Acme Corp', 'London HQ',    'lon-db01',  interval '2 minutes',  false, false, false, false),
        ('Acme Corp', 'London HQ',    'lon-fs01',  interval '10 minutes', false, true,  false, false),
        ('Acme Corp', 'Paris Office', 'par-ws01',  interval '1 minute',   false, false, false, false),
        ('Acme Corp', 'Paris Office', 'par-ws02',  interval '2 hours',    false, true,  true,  false),
        ('Acme Corp', 'Paris Office', 'par-ws03',  interval '3 hours',    false, false, false, false),
        ('Globex',    'Datacenter',   'gx-app01',  interval '1 minute',   false, false, false, false),
        ('Globex',    'Datacenter',   'gx-app02',  interval '1 minute',   false, false, false, false),
        ('Globex',    'Datacenter',   'gx-bak01',  NULL,                  false, true,  true,  true),
        ('Globex',    'Warehouse',    'gx-wh01',   interval '1 day',      true,  false, false, true),
        ('Globex',    'Warehouse',    'gx-wh02',   interval '1 minute',   false, false, false, false),
        ('Initech',   'Remote',       'in-ws01',   interval '1 minute',   false, false, false, false)
       ) a (client, site, hostname, seen_ago, maintenance, email, sms, dashboard)
  JOIN maintmode.client c ON c.name = a.client
  JOIN maintmode.site s ON s.client_id = c.id AND s.name = a.site;

INSERT INTO maintmode.check_result (agent_id, kind, name, status, alert_severity,
                                    email_alert, text_alert)
SELECT a.id, r.kind, r.name, r.status, r.severity, r.email, r.sms
  FROM (VALUES
        -- hostname,  kind,    name,               status,    severity,  e-mail, sms
        ('lon-web01', 'check', 'CPU load',         'passing', 'warning', true,  false),
        ('lon-web01', 'check', 'HTTPS certificate', 'passing', 'error',  true,  true),
        ('lon-web01', 'task',  'Nightly backup',   'passing', 'error',   true,  false),
        ('lon-db01',  'check', 'Replication lag',  'failing', 'error',   true,  true),
        ('lon-db01',  'check', 'Disk space C:',    'pending', 'warning', true,  false),
        ('lon-fs01',  'check', 'Disk space D:',    'failing', 'warning', true,  false),
        ('par-ws01',  'check', 'Antivirus update', 'failing', 'info',    false, false),
        ('par-ws01',  'task',  'Patch Tuesday',    'pending', 'warning', true,  false),
        ('par-ws02',  'check', 'Ping',             'passing', 'warning', false, false),
        ('gx-app01',  'task',  'Nightly report',   'failing', 'warning', true,  false),
        ('gx-app01',  'check', 'Memory',           'passing', 'error',   true,  true),
        ('gx-app02',  'check', 'Memory',           'pending', 'error',   true,  true),
        ('gx-wh01',   'check', 'UPS battery',      'failing', 'error',   true,  true),
        ('gx-wh02',   'check', 'Scanner service',  'passing', 'info',    false, false),
        ('in-ws01',   'check', 'Windows updates',  'failing', 'info',    false, false),
        ('in-ws01',   'task',  'Clean temp files', 'passing', 'warning', false, false)
       ) r (hostname, kind, name, status, severity, email, sms)
  JOIN maintmode.agent a ON a.hostname = r.hostname;
