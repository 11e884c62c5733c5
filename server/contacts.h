/* contacts: the contacts and ZAPI partners created while the server runs, as Zaui's console makes
 * them (add a contact, then Resellers -> API Integrations -> Create ZAPI Partner). A contact has a
 * user id, an account id (0 without a parent organisation, > 0 with one: contacts of the same
 * organisation share it) and at most one token: each application gets its own contact.
 *
 * Kept in a JSON state file of the mock's own, rewritten atomically (temporary file, fsync,
 * rename) after every change; a change that cannot be saved is undone. The fixture loader merges
 * the partners into each registry it builds (contacts_merge), so they survive reloads and
 * restarts. contacts_export_xml writes them as registry XML to paste into fixtures/.
 *
 * No sockets, no clock, no randomness of its own: times and the token's random bytes come from
 * the caller. Thread safety: every function but contacts_free() may be called from any thread. */
#ifndef ZAPI_CONTACTS_H
#define ZAPI_CONTACTS_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "registry.h"

#define CONTACTS_TOKEN_BYTES 20 /* random bytes of a token: 40 hex digits, like Zaui's */
#define CONTACTS_MAX 1000
#define CONTACTS_NAME_MAX_BYTES 100
#define CONTACTS_EMAIL_MAX_BYTES 254
#define CONTACTS_FIRST_USER_ID 5001UL
#define CONTACTS_FIRST_ACCOUNT_ID 701UL
#define CONTACTS_STATE_FILE "partners.json"

struct contact {
    unsigned long user_id;
    unsigned long account_id; /* 0: no parent organisation */
    char name[CONTACTS_NAME_MAX_BYTES + 1];
    char organisation[CONTACTS_NAME_MAX_BYTES + 1]; /* "" for none */
    char email[CONTACTS_EMAIL_MAX_BYTES + 1];
    double created_at;                        /* wall clock, seconds since the epoch */
    char token[CONTACTS_TOKEN_BYTES * 2 + 1]; /* "" = no ZAPI partner */
    double token_created_at;
};

/* Why a change was refused; the message (in why) names the field. */
enum contacts_status {
    CONTACTS_OK = 0,
    CONTACTS_INVALID = -1,   /* a field is missing or malformed */
    CONTACTS_NOT_FOUND = -2, /* no such contact or token */
    CONTACTS_CONFLICT = -3,  /* name taken, contact already has a token, too many contacts */
    CONTACTS_IO = -4,        /* the state file could not be written: nothing changed */
};

struct contacts;

/* Opens the state in dir/partners.json (NULL dir: kept in memory only). A missing file is an
 * empty state; dir is created on the first save. NULL with "file: reason" in err when the file
 * exists but cannot be read or is not a state file. */
struct contacts *contacts_open(const char *dir, struct buf *err);
void contacts_free(struct contacts *c);

/* Adds a contact. name and email are required, organisation may be NULL or "". */
enum contacts_status contacts_add(struct contacts *c, const char *name, const char *organisation,
                                  const char *email, double now, struct contact *out,
                                  struct buf *why);
/* Gives the contact user_id a token made of random (CONTACTS_TOKEN_BYTES bytes). */
enum contacts_status contacts_create_partner(struct contacts *c, unsigned long user_id,
                                             const unsigned char *random, double now,
                                             struct contact *out, struct buf *why);
/* Takes the token away from its contact (the contact stays and may get a new one). */
enum contacts_status contacts_revoke(struct contacts *c, const char *token, struct contact *out,
                                     struct buf *why);
/* Copies the contact holding token into out; -1 when none does. */
int contacts_find_token(struct contacts *c, const char *token, struct contact *out);

/* {"contacts": [...]} as the admin API shows them (times in ISO 8601 UTC). NULL: no memory. */
json_t *contacts_json(struct contacts *c);
json_t *contacts_contact_json(const struct contact *ct);
/* A <registry> document of the partners, loadable as fixtures/registry.xml. */
int contacts_export_xml(struct contacts *c, struct buf *out);
/* Adds every partner to reg (a registry being built, not yet shared). A token the fixtures
 * already declare is left to them (the export pasted into fixtures/). Returns the number of
 * partners added, or -1 with the reason in err. */
int contacts_merge(struct contacts *c, struct registry *reg, struct buf *err);

#endif
