package migrate

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadOrdersByVersion(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_queue.sql": {Data: []byte("CREATE TABLE b (x int);")},
		"m/0001_init.sql":  {Data: []byte("CREATE TABLE a (x int);")},
		"m/README":         {Data: []byte("not a migration")},
	}
	list, err := Load(fsys, "m")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(list) != 2 || list[0].Version != 1 || list[1].Name != "0002_queue.sql" {
		t.Errorf("Load = %+v", list)
	}
}

func TestLoadRejectsBadSequences(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"a gap":            {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"a repeat":         {"m/0001_a.sql": {}, "m/001_b.sql": {}},
		"no number":        {"m/init.sql": {}},
		"a version zero":   {"m/0000_zero.sql": {}},
		"no underscore":    {"m/0001.sql": {}},
		"a missing folder": {},
	} {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("Load with %s succeeded", name)
		}
	}
}

func TestPending(t *testing.T) {
	list := []Migration{{Version: 1}, {Version: 2}, {Version: 3}}
	got, err := Pending(list, []int{1, 2})
	if err != nil || len(got) != 1 || got[0].Version != 3 {
		t.Errorf("Pending after 1, 2 = %+v, %v; want [3]", got, err)
	}
	if _, err := Pending(list, []int{1, 2, 3, 4}); err == nil || !strings.Contains(err.Error(), "upgrade") {
		t.Errorf("Pending of a newer database = %v, want an error asking for an upgrade", err)
	}
}
