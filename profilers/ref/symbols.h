/* symbols.h — names for the sampler's locations, found at flush.
 *
 * Each location is symbolized once and keeps its name; a flush symbolizes only the locations
 * that are new since the last one, opening each object that has some at most once per flush,
 * reading its symbol table in one pass and keeping no table afterwards (memory follows the
 * distinct frames sampled, not the size of the binaries mapped).  What is kept per object is
 * small: whether it could be read and its build id.
 *
 *   user frames   the ELF symbol table of the mapped file (.symtab, else .dynsym; the .symtab of
 *                 /usr/lib/debug/.build-id/xx/yyyy.debug when a debug package provides one).
 *                 A location is a file offset; the PT_LOAD program header that holds it turns it
 *                 into the link-time address the symbols use, which is right for PIE executables,
 *                 shared libraries and fixed-address executables alike.
 *   [vdso]        the same, from this process's own vDSO (the kernel maps one image into every
 *                 64-bit process).
 *   kernel        /proc/kallsyms, read in one pass — again for new frames after a minute, then
 *                 after 2, 4, 8 and at most every 10 minutes (reading it costs ~50 ms of
 *                 CPU), and at the last flush; in between, new kernel frames outside the
 *                 functions already known are named provisionally.
 *   the rest      "module+0xOFFSET" (file offset), "[unknown]+0xADDR" (no mapping).
 */
#ifndef TARE_REF_SYMBOLS_H
#define TARE_REF_SYMBOLS_H

#include <stdint.h>

#include "maps.h"
#include "stacks.h"

struct symbols_stats {
	uint64_t resolved;     /* locations given a symbol name, cumulative */
	uint64_t unresolved;   /* locations named module+offset or [unknown]+addr */
	uint64_t files_read;   /* object files opened */
	uint64_t kallsyms_reads;
};

/* Name every location of t that has no name yet.  final: the last flush (read kallsyms
 * whenever it is needed). */
void symbols_resolve(struct stacks *t, struct maps *m, struct symbols_stats *st, int final);

/* Is this location's name a symbol (not a module+offset fallback)? */
int symbols_is_resolved(const struct loc *l);

/* The build id of an object, hex (strtab id, 0 when unknown); read when it was symbolized. */
uint32_t symfile_build_id(const struct symfile *sf);
/* Is the object an executable (an interpreter or a fixed address), not a library? */
int symfile_is_exec(const struct symfile *sf);
void symfile_free(struct symfile *sf);

/* Where kallsyms is read from; tests point it at a file. */
extern const char *symbols_kallsyms_path;

#endif
