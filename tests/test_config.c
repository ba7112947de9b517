/* test_config.c: shipskip.json (src/model/config.c): a good config with
 * named providers, per-persona routes and prices, resolved for a panel;
 * every way a config is refused (unknown keys, a pasted API key, bad types,
 * numbers out of bounds) with a message naming the file and the key; the
 * built-in defaults without a file; and the missing-key report; comments
 * and line:column errors; a gateway's headers and query; ca_file. */
#include "harness.h"
#include "shipskip/model/config.h"
#include "shipskip/model/pricetable.h"
#include "shipskip/util/fsutil.h"

#include <unistd.h>

static char g_dir[] = "/tmp/sk-config-XXXXXX";
static char g_path[128];

/* The variables config.c reads, cleared so the machine's own settings do not
 * leak into the tests. */
static const char *const ENV[] = {
    "OPENAI_API_KEY",     "OPENAI_BASE_URL",    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL", "GEMINI_API_KEY",     "GOOGLE_API_KEY",
    "GEMINI_BASE_URL",    "OLLAMA_HOST",        "MISTRAL_API_KEY",
    "MISTRAL_BASE_URL",   "SK_TEST_CLAUDE_KEY", NULL};

static void clear_env(void) {
  size_t i;
  for (i = 0; ENV[i] != NULL; i++)
    unsetenv(ENV[i]);
}

/* Writes text as the config file and loads it. Returns sk_config_load()'s
 * code; *c must be cleaned up when it is 0. */
static int load_text(const char *text, struct sk_config *c,
                     struct sk_error *e) {
  struct sk_error w;
  sk_error_clear(&w);
  sk_error_clear(e);
  if (sk_fs_write_atomic(g_dir, "shipskip.json", text, strlen(text), &w) != 0) {
    fprintf(stderr, "cannot write the config: %s\n", w.msg);
    return -1;
  }
  return sk_config_load(g_path, c, e);
}

/* Loads text, which must be refused; returns the message (static). */
static const char *refused(const char *text) {
  static struct sk_error e;
  struct sk_config c;
  int rc = load_text(text, &c, &e);
  if (rc == 0) {
    sk_config_cleanup(&c);
    return "(loaded)";
  }
  if (rc != SK_ECONFIG || e.code != SK_ECONFIG)
    return "(wrong code)";
  return e.msg;
}

static const char *GOOD =
    "{\"providers\": {"
    "  \"claude\": {\"type\": \"anthropic\", \"api_key_env\": "
    "\"SK_TEST_CLAUDE_KEY\"},"
    "  \"local\": {\"type\": \"ollama\", \"base_url\": "
    "\"http://127.0.0.1:11434\", \"rpm\": 600, \"tpm\": 0},"
    "  \"fast\": {\"type\": \"openai\", \"base_url\": "
    "\"https://example.test/v1/\", \"rpm\": 0.5, \"tpm\": 1e9}},"
    " \"default\": {\"provider\": \"local\", \"model\": \"llama3.2\"},"
    " \"personas\": {"
    "  \"builder\": {\"provider\": \"claude\", \"model\": \"claude-x\"},"
    "  \"skeptic\": {\"provider\": \"fast\"}},"
    " \"prices\": {"
    "  \"claude-x\": {\"input\": 0.8, \"output\": 4},"
    "  \"llama3.2\": {\"input\": 0, \"output\": 0}}}";

TEST(good_config_loads_providers_and_prices) {
  struct sk_config c;
  struct sk_error e;
  struct sk_provider_def *d;
  const struct sk_price *p;

  clear_env();
  setenv("SK_TEST_CLAUDE_KEY", "sk-ant-test", 1);
  ASSERT_INT_EQ(load_text(GOOD, &c, &e), 0);
  ASSERT_STR_EQ(c.source, g_path);
  d = sk_config_provider(&c, "claude");
  ASSERT(d != NULL);
  ASSERT_STR_EQ(d->impl->name, "anthropic");
  ASSERT_STR_EQ(d->key_env, "SK_TEST_CLAUDE_KEY");
  ASSERT_STR_EQ(d->api_key, "sk-ant-test");
  ASSERT_STR_EQ(d->conf.api_key, "sk-ant-test");
  ASSERT_STR_EQ(d->base_url, "https://api.anthropic.com");
  d = sk_config_provider(&c, "local");
  ASSERT(d != NULL);
  ASSERT_STR_EQ(d->impl->name, "ollama");
  ASSERT_STR_EQ(d->base_url, "http://127.0.0.1:11434");
  ASSERT(d->key_env == NULL);
  ASSERT(d->rpm == 600);
  ASSERT(d->tpm == 0);
  d = sk_config_provider(&c, "fast");
  ASSERT(d != NULL);
  ASSERT(d->rpm == 0.5);
  ASSERT(d->tpm == 1e9);
  /* The built-ins stay available under their own names. */
  d = sk_config_provider(&c, "gemini");
  ASSERT(d != NULL);
  ASSERT_STR_EQ(d->impl->name, "gemini");
  ASSERT(sk_config_provider(&c, "nope") == NULL);
  ASSERT_STR_EQ(c.default_provider, "local");
  ASSERT_STR_EQ(c.default_model, "llama3.2");
  ASSERT_INT_EQ(c.npersonas, 2);

  p = sk_config_price(&c, "claude-x");
  ASSERT(p != NULL);
  ASSERT(p->input_per_m == 0.8);
  ASSERT(p->output_per_m == 4);
  /* 1M prompt tokens at 0.8 plus 500k completion tokens at 4. */
  ASSERT(sk_price_cost(p, 1000000, 500000) == 2.8);
  ASSERT(p->source == NULL); /* the config's own price */
  /* A model the config does not price takes the built-in list price,
   * marked with its date; one neither knows has none. */
  p = sk_config_price(&c, "gpt-4o");
  ASSERT(p != NULL);
  ASSERT(p->input_per_m == 2.5);
  ASSERT_STR_EQ(p->source, "list price of " SK_PRICETABLE_DATE);
  ASSERT(sk_config_price(&c, "no-such-model") == NULL);
  ASSERT(sk_price_cost(NULL, 10, 10) == -1);
  sk_config_cleanup(&c);
  unsetenv("SK_TEST_CLAUDE_KEY");
}

/* Reads the whole of a tmpfile() report. */
/* Collects what the config reports, one line per problem, as the CLI
 * prints it; counts the calls. */
struct report {
  int n;
  char text[4096];
};

static void report_cb(void *ctx, const char *msg) {
  struct report *r = ctx;
  size_t len = strlen(r->text);
  r->n++;
  snprintf(r->text + len, sizeof(r->text) - len, "%s\n", msg);
}

TEST(routes_follow_personas_then_persona_file_then_default) {
  struct sk_persona ps[3];
  struct sk_panel_def panel = {ps, 3};
  struct sk_route routes[3];
  struct sk_config c;
  struct sk_error e;
  char name0[] = "builder";
  char name1[] = "skeptic";
  char name2[] = "newcomer";
  char prov2[] = "gemini";
  char src2[] = "newcomer.json";
  struct report rep;

  clear_env();
  memset(ps, 0, sizeof(ps));
  /* The persona's fields are heap strings it owns; these are not freed. */
  ps[0].name = name0;
  ps[1].name = name1;
  ps[2].name = name2;
  ps[2].provider = prov2; /* the persona file's own choice */
  ps[2].source = src2;
  ASSERT_INT_EQ(load_text(GOOD, &c, &e), 0);
  memset(&rep, 0, sizeof(rep));
  ASSERT_INT_EQ(sk_config_resolve(&c, &panel, &panel, NULL, NULL, routes,
                                  report_cb, &rep),
                0);
  ASSERT_INT_EQ(rep.n, 0);
  ASSERT_STR_EQ(routes[0].provider->name, "claude");
  ASSERT_STR_EQ(routes[0].model, "claude-x");
  ASSERT(routes[0].price == sk_config_price(&c, "claude-x"));
  ASSERT_STR_EQ(routes[1].provider->name, "fast");
  /* A route with a provider but no model takes the config's default model. */
  ASSERT_STR_EQ(routes[1].model, "llama3.2");
  ASSERT_STR_EQ(routes[2].provider->name, "gemini");
  ASSERT_STR_EQ(routes[2].model, "llama3.2");

  /* --provider overrides every route; the default model is for another
   * provider, so the provider's own default model is used. */
  ASSERT_INT_EQ(
      sk_config_resolve(&c, &panel, &panel, "openai", NULL, routes, NULL, NULL),
      0);
  ASSERT_STR_EQ(routes[0].provider->name, "openai");
  ASSERT_STR_EQ(routes[0].model, "gpt-4o-mini");
  /* Not priced by this config: the built-in list price, marked so. */
  ASSERT(routes[0].price != NULL);
  ASSERT(routes[0].price->source != NULL);

  /* Every persona's key is checked, each missing variable reported once. */
  ASSERT_INT_EQ(sk_config_check_keys(routes, 3, report_cb, &rep), SK_ECONFIG);
  ASSERT_INT_EQ(rep.n, 1);
  /* The whole message, with no prefix: the CLI adds "shipskip: ". */
  ASSERT_STR_EQ(rep.text,
                "OPENAI_API_KEY is not set: provider \"openai\" needs an API "
                "key. Export OPENAI_API_KEY (any value for a local server "
                "that takes none), or name another variable with "
                "\"api_key_env\" (or --api-key-env).\n");

  /* A persona in the config that the panel directory lacks, and a route to
   * a provider nobody defined, are both reported. */
  memset(&rep, 0, sizeof(rep));
  panel.n = 1;
  ASSERT_INT_EQ(sk_config_resolve(&c, &panel, &panel, "nosuch", NULL, routes,
                                  report_cb, &rep),
                SK_ECONFIG);
  ASSERT_INT_EQ(rep.n, 2);
  ASSERT_CONTAINS(rep.text, "personas.skeptic: no such persona in the panel "
                            "directory");
  ASSERT_CONTAINS(rep.text, "persona builder: unknown provider \"nosuch\" "
                            "(from --provider)");
  sk_config_cleanup(&c);
}

TEST(no_file_gives_the_builtin_providers) {
  struct sk_config c;
  struct sk_error e;
  struct sk_provider_def *d;

  clear_env();
  setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", 1);
  setenv("GOOGLE_API_KEY", "g-key", 1);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_config_load(NULL, &c, &e), 0);
  ASSERT_STR_EQ(c.source, "(built-in defaults)");
  ASSERT_INT_EQ(c.nproviders, 6);
  d = sk_config_provider(&c, "openai");
  ASSERT(d != NULL);
  /* The base URL comes from the provider's variable. */
  ASSERT_STR_EQ(d->base_url, "http://127.0.0.1:9/v1");
  ASSERT(d->api_key == NULL);
  /* Gemini falls back to GOOGLE_API_KEY. */
  d = sk_config_provider(&c, "gemini");
  ASSERT(d != NULL);
  ASSERT_STR_EQ(d->api_key, "g-key");
  ASSERT_INT_EQ(c.nprices, 0);
  sk_config_cleanup(&c);
  clear_env();
}

TEST(unknown_keys_are_refused_by_name) {
  clear_env();
  ASSERT_CONTAINS(refused("{\"provider\": {}}"),
                  "shipskip.json: unknown key \"provider\" (expected "
                  "providers, default, personas, prices, ca_file)");
  ASSERT_CONTAINS(refused("{\"providers\": {\"x\": {\"type\": \"openai\", "
                          "\"baseurl\": \"http://h\"}}}"),
                  "shipskip.json: providers.x: unknown key \"baseurl\"");
  ASSERT_CONTAINS(
      refused("{\"personas\": {\"builder\": {\"provider\": \"openai\", "
              "\"temperature\": 1}}}"),
      "shipskip.json: personas.builder: unknown key \"temperature\"");
  ASSERT_CONTAINS(refused("{\"default\": {\"model\": \"m\", \"x\": \"y\"}}"),
                  "shipskip.json: default: unknown key \"x\"");
}

TEST(a_pasted_api_key_is_refused) {
  clear_env();
  ASSERT_CONTAINS(refused("{\"providers\": {\"oai\": {\"type\": \"openai\", "
                          "\"api_key\": \"sk-live-123\"}}}"),
                  "shipskip.json: providers.oai.api_key: keys do not belong "
                  "in the config; name the variable that holds it with "
                  "\"api_key_env\"");
  ASSERT_CONTAINS(
      refused("{\"personas\": {\"builder\": {\"key\": \"sk-live-123\"}}}"),
      "personas.builder.key: keys do not belong in the config");
  /* The message names where, never the key itself. */
  ASSERT_NOT_CONTAINS(refused("{\"providers\": {\"oai\": {\"api_key\": "
                              "\"sk-live-123\"}}}"),
                      "sk-live-123");
}

TEST(bad_types_are_refused_naming_the_key) {
  clear_env();
  ASSERT_CONTAINS(refused("[1, 2]"), "shipskip.json: not a JSON object");
  ASSERT_CONTAINS(refused("{\"providers\": {"),
                  "shipskip.json:1:15: malformed JSON");
  ASSERT_CONTAINS(refused("{\"providers\": {\"x\": {\"type\": 5}}}"),
                  "shipskip.json: providers.x: must be an object of "
                  "non-empty strings");
  ASSERT_CONTAINS(refused("{\"providers\": {\"x\": \"openai\"}}"),
                  "shipskip.json: providers.x: must be an object");
  ASSERT_CONTAINS(refused("{\"providers\": {\"x\": {\"type\": \"\"}}}"),
                  "shipskip.json: providers.x: must be an object");
  ASSERT_CONTAINS(refused("{\"providers\": {\"x\": {\"type\": \"antropic\"}}}"),
                  "shipskip.json: providers.x.type: unknown provider type "
                  "\"antropic\" (known: openai, anthropic, gemini, ollama, "
                  "mistral, azure)");
  ASSERT_CONTAINS(refused("{\"providers\": {\"x\": {\"type\": \"openai\", "
                          "\"base_url\": \"ftp://h\"}}}"),
                  "shipskip.json: providers.x.base_url must start with "
                  "http:// or https://");
  ASSERT_CONTAINS(refused("{\"default\": \"openai\"}"),
                  "shipskip.json: default: must be {\"provider\"");
  ASSERT_CONTAINS(refused("{\"personas\": {\"builder\": {\"model\": 4}}}"),
                  "shipskip.json: personas.builder: must be {\"provider\"");
}

TEST(rate_limits_take_the_command_line_bounds) {
  static const char *const BAD[] = {"\"fast\"", "-1",     "0.001",
                                    "1e10",     "true",   "[600]",
                                    "1e400",    "-1e400", NULL};
  size_t i;
  clear_env();
  for (i = 0; BAD[i] != NULL; i++) {
    char text[160];
    snprintf(text, sizeof(text),
             "{\"providers\": {\"local\": {\"type\": \"ollama\", "
             "\"rpm\": %s}}}",
             BAD[i]);
    ASSERT_CONTAINS(refused(text),
                    "shipskip.json: providers.local.rpm: must be a number "
                    "from 0.01 to 1e+09 (per minute), or 0 for none");
    snprintf(text, sizeof(text),
             "{\"providers\": {\"local\": {\"type\": \"ollama\", "
             "\"tpm\": %s}}}",
             BAD[i]);
    ASSERT_CONTAINS(refused(text), "providers.local.tpm: must be a number");
  }
  /* null is absent: no limit of the provider's own. */
  ASSERT_STR_EQ(refused("{\"providers\": {\"local\": {\"type\": \"ollama\", "
                        "\"rpm\": null, \"tpm\": 0.01}}}"),
                "(loaded)");
}

/* providers.NAME.max_retry_time: whole seconds, 0 (no limit) to a week;
 * given, it wins over --max-retry-time for that provider (issue 18). */
TEST(max_retry_time_is_per_provider) {
  static const char *const BAD[] = {"-1",     "604801", "1.5",
                                    "\"5m\"", "true",   NULL};
  struct sk_config c;
  struct sk_error e;
  const struct sk_provider_def *d;
  size_t i;
  clear_env();
  for (i = 0; BAD[i] != NULL; i++) {
    char text[160];
    snprintf(text, sizeof(text),
             "{\"providers\": {\"local\": {\"type\": \"ollama\", "
             "\"max_retry_time\": %s}}}",
             BAD[i]);
    ASSERT_CONTAINS(refused(text), "providers.local.max_retry_time: must be");
  }
  ASSERT_INT_EQ(load_text("{\"providers\": {\"local\": {\"type\": "
                          "\"ollama\", \"max_retry_time\": 600}, "
                          "\"open\": {\"type\": \"openai\", "
                          "\"max_retry_time\": 0}}}",
                          &c, &e),
                0);
  d = sk_config_provider(&c, "local");
  ASSERT(d != NULL && d->has_max_retry_time);
  ASSERT_INT_EQ(d->max_retry_time_ms, 600000);
  d = sk_config_provider(&c, "open");
  ASSERT(d != NULL && d->has_max_retry_time);
  ASSERT_INT_EQ(d->max_retry_time_ms, 0);
  d = sk_config_provider(&c, "gemini");
  ASSERT(d != NULL && !d->has_max_retry_time);
  sk_config_cleanup(&c);
}

/* providers.NAME.mode: "online" (the default) or "batch", and batch only
 * for a type with a batch API (issue 14). */
TEST(mode_batch_is_per_provider) {
  struct sk_config c;
  struct sk_error e;
  const struct sk_provider_def *d;
  clear_env();
  ASSERT_CONTAINS(refused("{\"providers\": {\"claude\": {\"type\": "
                          "\"anthropic\", \"mode\": \"later\"}}}"),
                  "providers.claude.mode must be \"online\" or \"batch\"");
  ASSERT_CONTAINS(refused("{\"providers\": {\"local\": {\"type\": "
                          "\"ollama\", \"mode\": \"batch\"}}}"),
                  "providers.local.mode: type ollama has no batch API");
  ASSERT_INT_EQ(load_text("{\"providers\": {\"claude\": {\"type\": "
                          "\"anthropic\", \"mode\": \"batch\"}, "
                          "\"open\": {\"type\": \"openai\", "
                          "\"mode\": \"online\"}}}",
                          &c, &e),
                0);
  d = sk_config_provider(&c, "claude");
  ASSERT(d != NULL && d->batch);
  d = sk_config_provider(&c, "open");
  ASSERT(d != NULL && !d->batch);
  d = sk_config_provider(&c, "gemini");
  ASSERT(d != NULL && !d->batch);
  sk_config_cleanup(&c);
}

TEST(prices_must_be_bounded_numbers) {
  static const char *const BAD[] = {"{\"input\": -0.1, \"output\": 1}",
                                    "{\"input\": 1}",
                                    "{\"input\": \"0.15\", \"output\": 0.6}",
                                    "{\"input\": 1, \"output\": 1e7}",
                                    "{\"input\": 1, \"output\": null}",
                                    "5",
                                    NULL};
  size_t i;
  clear_env();
  for (i = 0; BAD[i] != NULL; i++) {
    char text[160];
    snprintf(text, sizeof(text), "{\"prices\": {\"gpt-4o-mini\": %s}}", BAD[i]);
    ASSERT_CONTAINS(refused(text),
                    "shipskip.json: prices.gpt-4o-mini: needs \"input\" and "
                    "\"output\", USD per million tokens, >= 0 and <= 1e+06");
  }
  ASSERT_STR_EQ(refused("{\"prices\": {\"m\": {\"input\": 1000000, "
                        "\"output\": 0.6}}}"),
                "(loaded)");
}

TEST(comments_are_allowed_outside_strings) {
  struct sk_config c;
  struct sk_error e;
  clear_env();
  ASSERT_INT_EQ(
      load_text("// the panel's providers\n"
                "{\n"
                "  /* a block\n     comment */ \"providers\": {\n"
                "    \"gw\": {\"type\": \"openai\", // trailing\n"
                "           \"base_url\": \"http://h/v1?x=//y/*z*/\"}\n"
                "  },\n"
                "  \"prices\": {\"m\": {\"input\": 1, /* inline */ "
                "\"output\": 2}}\n"
                "}\n",
                &c, &e),
      0);
  /* Comment markers inside a string are the string's. */
  ASSERT_STR_EQ(sk_config_provider(&c, "gw")->base_url,
                "http://h/v1?x=//y/*z*/");
  ASSERT(sk_config_price(&c, "m")->output_per_m == 2);
  sk_config_cleanup(&c);
}

TEST(errors_name_line_and_column) {
  clear_env();
  /* A missing comma on line 3: cJSON stops at the next key. */
  ASSERT_CONTAINS(refused("{\n  \"default\": {\"model\": \"m\"}\n"
                          "  \"prices\": {}\n}\n"),
                  "shipskip.json:3:3: malformed JSON");
  /* Comments count toward lines and columns like any other text. */
  ASSERT_CONTAINS(refused("// one\n/* two\n three */ {\"a\": }"),
                  "shipskip.json:3:17: malformed JSON");
  ASSERT_CONTAINS(refused("{\"providers\": {}} /* open"),
                  "shipskip.json:1:19: a comment that starts here never "
                  "ends");
}

TEST(gateway_headers_and_query) {
  struct sk_config c;
  struct sk_error e;
  struct sk_provider_def *d;
  clear_env();
  setenv("SK_TEST_GW_KEY", "gw-secret", 1);
  ASSERT_INT_EQ(load_text("{\"providers\": {\"gw\": {\"type\": \"openai\", "
                          "\"headers\": {\"X-Title\": \"shipskip\", "
                          "\"X-Gateway-Key\": \"${SK_TEST_GW_KEY}\"}, "
                          "\"query\": {\"api-version\": \"2024-10-21\"}}}}",
                          &c, &e),
                0);
  d = sk_config_provider(&c, "gw");
  ASSERT_INT_EQ(d->gateway.nheaders, 2);
  ASSERT_STR_EQ(d->gateway.headers[0], "X-Title");
  ASSERT_STR_EQ(d->gateway.headers[1], "shipskip");
  ASSERT_STR_EQ(d->gateway.headers[2], "X-Gateway-Key");
  ASSERT_STR_EQ(d->gateway.headers[3], "gw-secret");
  /* Only the value read from the environment is a credential. */
  ASSERT_INT_EQ(d->gateway.headers_secret, 2);
  ASSERT_INT_EQ(d->gateway.nquery, 1);
  ASSERT_STR_EQ(d->gateway.query[1], "2024-10-21");
  ASSERT(d->missing_env == NULL);
  sk_config_cleanup(&c);

  /* A credential-named header with its value in the file is refused, and
   * the message never repeats the value. */
  ASSERT_CONTAINS(
      refused("{\"providers\": {\"gw\": {\"type\": \"openai\", \"headers\": "
              "{\"X-Api-Key\": \"sk-live-1\"}}}}"),
      "providers.gw.headers.X-Api-Key: credentials do not "
      "belong in the config");
  ASSERT_NOT_CONTAINS(
      refused("{\"providers\": {\"gw\": {\"type\": \"openai\", \"headers\": "
              "{\"Authorization\": \"sk-live-1\"}}}}"),
      "sk-live-1");
  ASSERT_CONTAINS(
      refused("{\"providers\": {\"gw\": {\"type\": \"openai\", \"headers\": "
              "{\"Bad Name\": \"v\"}}}}"),
      "providers.gw.headers.Bad Name: needs a header name");
  ASSERT_CONTAINS(
      refused("{\"providers\": {\"gw\": {\"type\": \"openai\", \"headers\": "
              "{\"X-A\": \"a\\r\\nX-B: b\"}}}}"),
      "one-line string value");
  ASSERT_CONTAINS(
      refused("{\"providers\": {\"gw\": {\"type\": \"openai\", \"query\": "
              "{\"v\": 1}}}}"),
      "providers.gw.query.v: must be a string");

  /* An unset variable is a missing credential, reported when used. */
  unsetenv("SK_TEST_GW_KEY");
  ASSERT_INT_EQ(load_text("{\"providers\": {\"gw\": {\"type\": \"ollama\", "
                          "\"headers\": {\"X-Key\": \"${SK_TEST_GW_KEY}\"}}}}",
                          &c, &e),
                0);
  d = sk_config_provider(&c, "gw");
  ASSERT_INT_EQ(d->gateway.nheaders, 0);
  ASSERT_STR_EQ(d->missing_env, "SK_TEST_GW_KEY");
  {
    struct sk_route r = {d, "m", NULL};
    ASSERT_INT_EQ(sk_config_check_keys(&r, 1, NULL, NULL), SK_ECONFIG);
  }
  sk_config_cleanup(&c);
}

TEST(ca_file_is_read) {
  struct sk_config c;
  struct sk_error e;
  clear_env();
  ASSERT_INT_EQ(load_text("{\"ca_file\": \"/etc/private-ca.pem\"}", &c, &e), 0);
  ASSERT_STR_EQ(c.ca_file, "/etc/private-ca.pem");
  sk_config_cleanup(&c);
  ASSERT_CONTAINS(refused("{\"ca_file\": 3}"),
                  "ca_file: must be the path of a PEM CA bundle");
}

int main(void) {
  if (mkdtemp(g_dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  snprintf(g_path, sizeof(g_path), "%s/shipskip.json", g_dir);
  RUN(good_config_loads_providers_and_prices);
  RUN(routes_follow_personas_then_persona_file_then_default);
  RUN(no_file_gives_the_builtin_providers);
  RUN(unknown_keys_are_refused_by_name);
  RUN(a_pasted_api_key_is_refused);
  RUN(bad_types_are_refused_naming_the_key);
  RUN(rate_limits_take_the_command_line_bounds);
  RUN(max_retry_time_is_per_provider);
  RUN(mode_batch_is_per_provider);
  RUN(prices_must_be_bounded_numbers);
  RUN(comments_are_allowed_outside_strings);
  RUN(errors_name_line_and_column);
  RUN(gateway_headers_and_query);
  RUN(ca_file_is_read);
  unlink(g_path);
  rmdir(g_dir);
  return TEST_REPORT();
}
