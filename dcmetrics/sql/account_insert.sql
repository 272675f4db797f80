INSERT INTO accounts (username, username_key, password_hash, role, area_code, display_name, active,
                      demo, created_by, created_at, password_changed_at)
VALUES ($username, $key, $hash, $role, $area, $display, true, $demo, $by, $at, $at)
