/* data.c: finding the personas and prompts, on disk or built in (see
 * data.h). The loaders below the CLI read a directory or texts in memory;
 * this file only decides which, so every command resolves them alike.
 */
#include "data.h"

#include "cli.h"

#include "shipskip/util/fsutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most persona files the built-in copy can hold (personas/ has four). */
#define MAX_EMBEDDED_PERSONAS 64

const struct sk_embedded_file *sk_cli_embedded_find(const char *path) {
  size_t i;
  for (i = 0; i < sk_embedded_nfiles; i++)
    if (strcmp(sk_embedded_files[i].path, path) == 0)
      return &sk_embedded_files[i];
  return NULL;
}

const char *sk_cli_data_where(const char *given, const char *name, char *buf,
                              size_t size) {
  const char *dir;
  if (given != NULL)
    return given;
  dir = sk_cli_data_dir(name, buf, size);
  /* sk_cli_data_dir hands name back when it found nothing (or found it in
   * the current directory): tell the two apart. */
  if (dir == name && !sk_fs_is_dir(name))
    return NULL;
  return dir;
}

int sk_cli_load_personas(const char *given, const char *only,
                         struct sk_panel_def *panel, struct sk_error *err) {
  char buf[PATH_MAX];
  const char *dir = sk_cli_data_where(given, "personas", buf, sizeof(buf));
  struct sk_persona_text files[MAX_EMBEDDED_PERSONAS];
  size_t n = 0;
  size_t i;

  if (dir != NULL)
    return sk_panel_def_load(dir, only, panel, err);
  for (i = 0; i < sk_embedded_nfiles && n < MAX_EMBEDDED_PERSONAS; i++) {
    if (strncmp(sk_embedded_files[i].path, "personas/", 9) != 0)
      continue;
    files[n].file = sk_embedded_files[i].path;
    files[n].text = (const char *)sk_embedded_files[i].data;
    files[n].len = sk_embedded_files[i].len;
    n++;
  }
  return sk_panel_def_load_texts(files, n, SK_CLI_EMBEDDED, only, panel, err);
}

/* Fills t with the built-in prompts/<file>, named for messages. */
static int embedded_prompt(const char *file, char *name, size_t size,
                           struct sk_prompt_text *t, struct sk_error *err) {
  char path[64];
  const struct sk_embedded_file *f;
  snprintf(path, sizeof(path), "prompts/%s", file);
  f = sk_cli_embedded_find(path);
  if (f == NULL)
    return sk_error_set(err, SK_ECONFIG,
                        "%s:%s: not built in (use "
                        "--prompts-dir)",
                        SK_CLI_EMBEDDED, path);
  snprintf(name, size, "%s:%s", SK_CLI_EMBEDDED, path);
  t->name = name;
  t->text = (const char *)f->data;
  t->len = f->len;
  return 0;
}

int sk_cli_load_prompts(const char *given, int min_words, int max_words,
                        struct sk_prompts *p, struct sk_error *err) {
  char buf[PATH_MAX];
  const char *dir = sk_cli_data_where(given, "prompts", buf, sizeof(buf));
  char names[3][96];
  struct sk_prompt_text t[3] = {
      {NULL, NULL, 0}, {NULL, NULL, 0}, {NULL, NULL, 0}};
  int rc;

  if (dir != NULL)
    return sk_prompts_load(dir, min_words, max_words, p, err);
  memset(p, 0, sizeof(*p));
  rc = embedded_prompt("system.txt", names[0], sizeof(names[0]), &t[0], err);
  if (rc == 0)
    rc = embedded_prompt("user.txt", names[1], sizeof(names[1]), &t[1], err);
  if (rc == 0)
    rc = embedded_prompt("reask.txt", names[2], sizeof(names[2]), &t[2], err);
  if (rc == 0)
    rc = sk_prompts_set(&t[0], &t[1], &t[2], min_words, max_words, p, err);
  return rc;
}

int sk_cli_load_rules(const char *given, struct sk_inject **out,
                      struct sk_error *err) {
  char buf[PATH_MAX];
  char path[PATH_MAX + 32];
  const char *dir = sk_cli_data_where(given, "prompts", buf, sizeof(buf));
  char name[96];
  struct sk_prompt_text t = {NULL, NULL, 0};
  int rc;

  *out = NULL;
  if (dir != NULL) {
    rc = sk_path_join(path, sizeof(path), dir, "injection-patterns.txt", err);
    return rc != 0 ? rc : sk_inject_load(path, out, err);
  }
  rc = embedded_prompt("injection-patterns.txt", name, sizeof(name), &t, err);
  return rc != 0 ? rc : sk_inject_new(t.text, t.len, t.name, out, err);
}
