/* pprof.c — the profile as pprof's profile.proto, packed by protobuf-c, written gzip'd.
 *
 * Ids: a Location's id is the sampler's location id; Functions are one per (object, name);
 * Mappings one per object.  Locations of a mapped file are identified by file offset, so each
 * Mapping is given an address range of its own, memory_start = index << 40, with file_offset 0:
 * address - memory_start + file_offset is then the file offset, as pprof computes it.  Kernel
 * frames keep their addresses.  Every Mapping that has names says has_functions, so pprof does
 * not try to symbolize again.  mapping[0] is the main executable, as the format asks.
 *
 * Memory: nothing is built per sample or per location.  The file is a first Profile message
 * (sample types, mappings, the string table, ...) followed by one Profile message per Function,
 * Location and Sample, each holding just that one — all packed by protobuf-c.  Concatenated
 * protobuf messages parse as one message with the repeated fields appended (the encoding's
 * merge rule), so readers see one profile, and a flush of a full table needs a few small
 * messages' worth of memory, not the table's.
 */
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "profile.pb-c.h"
#include "symbols.h"
#include "util.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Label Label;

#define MAPPING_SPAN_SHIFT 40

/* protobuf-c streams a packed message through append(): straight into gzwrite. */
struct gz_sink {
	ProtobufCBuffer base;
	gzFile gz;
	int failed;
};

static void gz_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
	struct gz_sink *s = (struct gz_sink *)b;

	while (len && !s->failed) {
		unsigned chunk = len > (1u << 30) ? 1u << 30 : (unsigned)len;

		if (gzwrite(s->gz, data, chunk) != (int)chunk)
			s->failed = 1;
		data += chunk;
		len -= chunk;
	}
}

/* (object, name) -> Function id, open addressing; 0 when new (the caller assigns it). */
struct fn_table {
	uint64_t *key;
	uint32_t *id;
	uint32_t mask;
};

static uint32_t *fn_slot(struct fn_table *ft, uint64_t key)
{
	uint32_t i = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & ft->mask;

	for (; ft->id[i] && ft->key[i] != key; i = (i + 1) & ft->mask)
		;
	ft->key[i] = key;
	return &ft->id[i];
}

/* What the samples use: which locations, and how many samples each object is in. */
struct usage {
	uint8_t *loc_used;
	uint64_t *dso_weight;
	uint64_t *lo, *hi;        /* lowest and highest address used, per object */
	uint8_t *named;           /* some location of the object has a symbol */
	uint32_t *mapping_of;     /* object -> Mapping id */
	uint32_t max_frames;
};

static void usage_scan(struct usage *u, const struct stacks *t, const struct maps *m)
{
	u->loc_used = xcalloc(t->nlocs, 1);
	u->dso_weight = xcalloc(m->ndso, sizeof(uint64_t));
	u->lo = xcalloc(m->ndso, sizeof(uint64_t));
	u->hi = xcalloc(m->ndso, sizeof(uint64_t));
	u->named = xcalloc(m->ndso, 1);
	u->mapping_of = xcalloc(m->ndso, sizeof(uint32_t));
	u->max_frames = 1;
	for (uint32_t i = 0; i < t->nstacks; i++) {
		const struct stack *st = &t->stack[i];
		const uint32_t *fr = stacks_frames(t, st);
		uint32_t last = UINT32_MAX;

		if (st->nframes > u->max_frames)
			u->max_frames = st->nframes;
		for (uint32_t k = 0; k < st->nframes; k++) {
			uint32_t d = t->loc[fr[k]].dso;

			u->loc_used[fr[k]] = 1;
			if (d != last)	/* once per run of frames in one object */
				u->dso_weight[d] += st->count;
			last = d;
		}
	}
	for (uint32_t id = 1; id < t->nlocs; id++) {
		const struct loc *l = &t->loc[id];

		if (!u->loc_used[id] || !l->dso)
			continue;
		if (!u->lo[l->dso] || l->addr < u->lo[l->dso])
			u->lo[l->dso] = l->addr ? l->addr : 1;
		if (l->addr + 1 > u->hi[l->dso])
			u->hi[l->dso] = l->addr + 1;
		u->named[l->dso] |= (uint8_t)symbols_is_resolved(l);
	}
}

static void usage_free(struct usage *u)
{
	free(u->loc_used);
	free(u->dso_weight);
	free(u->lo);
	free(u->hi);
	free(u->named);
	free(u->mapping_of);
}

/* The Mappings, main executable first: the most-sampled object that is an executable. */
static uint32_t make_mappings(struct usage *u, const struct maps *m, Mapping *maps, Mapping **mapp)
{
	uint32_t n = 0, main_dso = 0;

	for (uint32_t d = 2; d < m->ndso; d++)
		if (u->dso_weight[d] && m->dso[d]->kind == DSO_FILE && symfile_is_exec(m->dso[d]->sym) &&
		    (!main_dso || u->dso_weight[d] > u->dso_weight[main_dso]))
			main_dso = d;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t d = 1; d < m->ndso; d++) {
			const struct dso *o = m->dso[d];
			Mapping *mp;

			if (!u->dso_weight[d] || (pass == 0) != (d == main_dso))
				continue;
			mp = &maps[n];
			perftools__profiles__mapping__init(mp);
			mp->id = ++n;
			u->mapping_of[d] = n;
			if (o->kind == DSO_KERNEL) {
				mp->memory_start = u->lo[d];
				mp->memory_limit = u->hi[d];
			} else {
				mp->memory_start = (uint64_t)mp->id << MAPPING_SPAN_SHIFT;
				mp->memory_limit = mp->memory_start + u->hi[d];
			}
			mp->filename = o->path;
			mp->build_id = symfile_build_id(o->sym);
			mp->has_functions = u->named[d];
			mapp[n - 1] = mp;
		}
	}
	return n;
}

static void pack_one(struct gz_sink *sink, Profile *one)
{
	protobuf_c_message_pack_to_buffer(&one->base, &sink->base);
}

/* One Function (when its (object, name) is new) and one Location per location used. */
static void write_locations(struct gz_sink *sink, const struct stacks *t, const struct maps *m,
			    const struct usage *u)
{
	struct fn_table ft = { 0 };
	uint32_t next_fn = 1;

	ft.mask = 15;
	while (ft.mask + 1 < 2 * t->nlocs)
		ft.mask = ft.mask * 2 + 1;
	ft.key = xcalloc((size_t)ft.mask + 1, sizeof(*ft.key));
	ft.id = xcalloc((size_t)ft.mask + 1, sizeof(*ft.id));
	for (uint32_t id = 1; id < t->nlocs && !sink->failed; id++) {
		const struct loc *l = &t->loc[id];
		const struct dso *o = maps_dso(m, l->dso);
		Profile one = PERFTOOLS__PROFILES__PROFILE__INIT;
		Location loc = PERFTOOLS__PROFILES__LOCATION__INIT, *locp = &loc;
		Line line = PERFTOOLS__PROFILES__LINE__INIT, *linep = &line;
		uint32_t *fid;

		if (!u->loc_used[id])
			continue;
		fid = fn_slot(&ft, (uint64_t)l->dso << 32 | loc_name(l));
		if (!*fid) {
			Function fn = PERFTOOLS__PROFILES__FUNCTION__INIT, *fnp = &fn;

			*fid = next_fn++;
			fn.id = *fid;
			fn.name = fn.system_name = loc_name(l);
			one.n_function = 1;
			one.function = &fnp;
			pack_one(sink, &one);
			one.n_function = 0;
			one.function = NULL;
		}
		loc.id = id;
		loc.mapping_id = o ? u->mapping_of[l->dso] : 0;
		loc.address = !o || o->kind == DSO_KERNEL ? l->addr :
			      ((uint64_t)loc.mapping_id << MAPPING_SPAN_SHIFT) + l->addr;
		/* one line: symbol tables know no inlining */
		line.function_id = *fid;
		loc.n_line = 1;
		loc.line = &linep;
		one.n_location = 1;
		one.location = &locp;
		pack_one(sink, &one);
	}
	free(ft.key);
	free(ft.id);
}

static void write_samples(struct gz_sink *sink, const struct stacks *t, const struct usage *u,
			  const struct profile_values *pv, uint32_t k_pid, uint32_t k_comm)
{
	uint64_t *ids = xcalloc(u->max_frames, sizeof(*ids));

	for (uint32_t i = 0; i < t->nstacks && !sink->failed; i++) {
		const struct stack *st = &t->stack[i];
		const uint32_t *fr = stacks_frames(t, st);
		Profile one = PERFTOOLS__PROFILES__PROFILE__INIT;
		Sample sm = PERFTOOLS__PROFILES__SAMPLE__INIT, *smp = &sm;
		Label lab[2] = { PERFTOOLS__PROFILES__LABEL__INIT, PERFTOOLS__PROFILES__LABEL__INIT };
		Label *labp[2] = { &lab[0], &lab[1] };
		int64_t values[PROFILE_MAX_VALUES] = { (int64_t)st->count, (int64_t)st->period };
		int nv = 2, nonzero = 0;

		if (pv) {
			nv = pv->n;
			for (int k = 0; k < nv; k++)
				nonzero |= (values[k] = pv->v[(size_t)i * (size_t)nv + (size_t)k]) != 0;
			if (!nonzero)
				continue;
		}
		for (uint32_t k = 0; k < st->nframes; k++)
			ids[k] = fr[k];		/* leaf first, as pprof wants */
		sm.n_location_id = st->nframes;
		sm.location_id = ids;
		sm.n_value = (size_t)nv;
		sm.value = values;
		lab[0].key = k_pid;
		lab[0].num = st->pid;
		lab[1].key = k_comm;
		lab[1].str = st->comm;
		sm.n_label = st->comm ? 2 : 1;
		sm.label = labp;
		one.n_sample = 1;
		one.sample = &smp;
		pack_one(sink, &one);
	}
	free(ids);
}

int pprof_write(const char *path, struct session *s, const struct profile_meta *pm,
		char *err, size_t errlen)
{
	const struct stacks *t = pm->stacks ? pm->stacks : &s->stacks;
	const struct profile_values *pv = pm->values;
	const struct maps *m = &s->maps;
	Profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	ValueType vt[PROFILE_MAX_VALUES + 1], *vtp[PROFILE_MAX_VALUES];
	struct usage u;
	Mapping *maps = xcalloc(m->ndso, sizeof(Mapping));
	Mapping **mapp = xcalloc(m->ndso, sizeof(Mapping *));
	char *tmp = atomic_tmp_name(path);
	struct gz_sink sink = { .base = { .append = gz_append } };
	/* every string the profile uses is interned before the string table is written */
	uint32_t k_pid = strtab_intern(&s->strs, "pid"),
		 k_comm = strtab_intern(&s->strs, "comm");
	int64_t comment = pm->comment ? strtab_intern(&s->strs, pm->comment) : 0;
	int rc = -1, failed, nv = pv ? pv->n : 2;

	for (int k = 0; k <= PROFILE_MAX_VALUES; k++) {
		perftools__profiles__value_type__init(&vt[k]);
		if (k < PROFILE_MAX_VALUES)
			vtp[k] = &vt[k];
	}
	if (pv) {
		for (int k = 0; k < nv; k++) {
			vt[k].type = strtab_intern(&s->strs, pv->type[k]);
			vt[k].unit = strtab_intern(&s->strs, pv->unit[k]);
		}
		vt[nv].type = strtab_intern(&s->strs, pv->period_type);
		vt[nv].unit = strtab_intern(&s->strs, pv->period_unit);
		prof.default_sample_type = vt[pv->default_index].type;
	} else {
		vt[0].type = strtab_intern(&s->strs, "samples");
		vt[0].unit = strtab_intern(&s->strs, "count");
		vt[1].type = vt[2].type = strtab_intern(&s->strs, pm->event->value_type);
		vt[1].unit = vt[2].unit = strtab_intern(&s->strs, pm->event->value_unit);
		prof.default_sample_type = vt[1].type;
	}
	usage_scan(&u, t, m);
	prof.n_sample_type = (size_t)nv;
	prof.sample_type = vtp;
	prof.n_mapping = make_mappings(&u, m, maps, mapp);
	prof.mapping = mapp;
	prof.n_string_table = s->strs.n;
	prof.string_table = s->strs.str;
	prof.time_nanos = (int64_t)pm->start_wall_ns;
	prof.duration_nanos = (int64_t)pm->duration_ns;
	prof.period_type = &vt[nv];
	prof.period = (int64_t)pm->period;
	if (comment) {
		prof.n_comment = 1;
		prof.comment = &comment;
	}

	sink.gz = gzopen(tmp, "wb6");
	if (!sink.gz) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno ? errno : ENOMEM));
		goto out;
	}
	pack_one(&sink, &prof);
	write_locations(&sink, t, m, &u);
	write_samples(&sink, t, &u, pv, k_pid, k_comm);
	failed = gzclose(sink.gz) != Z_OK;
	rc = atomic_commit(tmp, path, failed || sink.failed, err, errlen);
out:
	free(tmp);
	usage_free(&u);
	free(maps);
	free(mapp);
	return rc;
}
