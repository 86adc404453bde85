/* units.c — create and read the shared units page. */
#include "units.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int units_create(struct units_page *u)
{
	void *p;
	u->page = NULL;
	u->fd = memfd_create("tare-units", MFD_CLOEXEC);
	if (u->fd < 0)
		return -1;
	if (ftruncate(u->fd, (off_t)TARE_UNITS_BYTES) < 0)
		goto fail;
	p = mmap(NULL, TARE_UNITS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, u->fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	u->page = p;
	memset(u->page, 0, TARE_UNITS_BYTES);
	u->page->magic = TARE_UNITS_MAGIC;
	u->page->version = TARE_UNITS_VERSION;
	u->page->nslots = TARE_UNITS_SLOTS;
	return 0;
fail:
	close(u->fd);
	u->fd = -1;
	return -1;
}

uint64_t units_read(const struct units_page *u)
{
	return u->page ? tare_units_total(u->page) : 0;
}

const char *units_name(const struct units_page *u)
{
	return u->page ? u->page->unit : "";
}

void units_destroy(struct units_page *u)
{
	if (u->page)
		munmap(u->page, TARE_UNITS_BYTES);
	if (u->fd >= 0)
		close(u->fd);
	u->page = NULL;
	u->fd = -1;
}
