# maintmode: maintenance mode for an RMM fleet, as a PostgreSQL extension.
MODULE_big = maintmode
# Sources are found under $(srcdir), which is . for an in-tree build and the source
# directory when building out of tree (VPATH, as pg_buildext does in build-NN/).
OBJS = $(patsubst %.c,src/%.o,$(sort $(notdir $(wildcard $(srcdir)/src/*.c))))

EXTENSION = maintmode
# A fresh install of the newest version runs maintmode--1.3.sql, built from the current
# schema: schema/*.sql, one file per concern, in name order (the schema guard first).
# Installations of earlier versions are updated by the scripts maintmode--X--Y.sql,
# written by hand; maintmode--1.0.sql, the released 1.0 install script, stays for
# CREATE EXTENSION ... VERSION '1.0' (and the update tests).
UPDATES = maintmode--1.0--1.1.sql maintmode--1.1--1.2.sql maintmode--1.2--1.3.sql
DATA_built = maintmode--1.0.sql maintmode--1.3.sql
DATA = $(UPDATES)
DOCS = $(patsubst $(srcdir)/%,%,$(wildcard $(srcdir)/doc/*.md))

REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --outputdir=results
ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=results/isolation
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CPPFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
EXTRA_CLEAN = results

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Every object (and its JIT bitcode) includes the one header: without this, a change to
# its structs would leave objects built against the old layout (PGXS tracks headers
# only when the server was configured with --enable-depend).
$(OBJS) $(OBJS:.o=.bc): $(srcdir)/src/maintmode.h

# The documentation goes to doc/.../maintmode/, not among other extensions' files.
docmoduledir := maintmode
# After the include, which empties it: the TAP tests' shared module is in test/t.
PROVE_FLAGS := -I ./test/t

# The 1.0 objects as released (released/), behind the schema guard: CREATE EXTENSION
# ... VERSION '1.0' (or a later version reached from it) refuses a schema others control
# too.  The objects 1.0 creates are unchanged.
maintmode--1.0.sql: $(srcdir)/schema/00_guard.sql $(srcdir)/released/maintmode--1.0.sql
	{ sed -n '/^\\echo/,$$p' $<; grep -v '^\\echo ' $(srcdir)/released/maintmode--1.0.sql; } > $@

maintmode--1.3.sql: $(sort $(wildcard $(srcdir)/schema/*.sql))
	cat $^ > $@

# Out of tree, the objects' directory src/ must exist in the build directory.
ifneq ($(srcdir),.)
$(shell mkdir -p src)
endif
