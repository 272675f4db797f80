-- One audit row (the table is insert-only: nothing in the app updates or deletes it).
INSERT INTO audit ("at", actor, action, object, before_json, after_json)
VALUES ($at, $actor, $action, $object, $before, $after)
