/* Container virtual fields: the image of a container CLI's command line,
 * its normalised form, the account and the hour; and sudo's journal line for
 * a container CLI (the account on Linux). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/bt_time.h"
#include "docker/bt_journal_sudo.h"
#include "hunt/bt_container_fields.h"

static const char *cli(const char *cmd)
{
	static char out[256];
	if (!bt_container_cli_image(cmd, strlen(cmd), out, sizeof out))
		return NULL;
	return out;
}

static void test_cli_image(void **state)
{
	(void)state;
	assert_string_equal(cli("docker run nginx"), "nginx");
	assert_string_equal(cli("\"C:\\Program Files\\Docker\\docker.exe\" run --rm -v C:\\a:C:\\b "
	                        "-w C:\\b mcr.microsoft.com/dotnet/sdk:8.0 dotnet build"),
	                    "mcr.microsoft.com/dotnet/sdk:8.0");
	assert_string_equal(cli("docker run -d --name tunnel -p 4444:4444 alpine/socat tcp-l:1"),
	                    "alpine/socat");
	assert_string_equal(cli("docker -H tcp://10.0.0.1:2375 container run -it --rm=true "
	                        "--entrypoint=/bin/sh alpine:3.19"), "alpine:3.19");
	assert_string_equal(cli("/usr/bin/nerdctl --namespace k8s.io create -ti busybox"), "busybox");
	assert_string_equal(cli("podman.exe run --privileged -- quay.io/x/y@sha256:ab"),
	                    "quay.io/x/y@sha256:ab");
	assert_string_equal(cli("ctr run --rm docker.io/library/alpine:latest job1"),
	                    "docker.io/library/alpine:latest");
	assert_null(cli("docker ps -a"));
	assert_null(cli("docker start web"));           /* no image on the line */
	assert_null(cli("docker run --name"));          /* an option without its value */
	assert_null(cli("cmd.exe /c docker run nginx")); /* not a container CLI */
	assert_null(cli(""));
	char small[4];
	assert_true(bt_container_cli_image("docker run nginx", 16, small, sizeof small));
	assert_string_equal(small, "ngi");
}

static void test_values(void **state)
{
	(void)state;
	char out[128];
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKER_EVENTS);
	assert_true(bt_time_parse("2026-07-01T03:10:00Z", 20, &eb.ev.time, NULL, NULL));
	bt_evbuf_adds(&eb, "Image", "docker.io/library/Redis");
	const struct bt_event *e = bt_evbuf_done(&eb);
	assert_int_equal(bt_container_value(e, "ContainerImage", out, sizeof out), 1);
	assert_string_equal(out, "redis:latest");
	assert_int_equal(bt_container_value(e, "HourOfDay", out, sizeof out), 1);
	assert_string_equal(out, "03");
	assert_int_equal(bt_container_value(e, "ContainerAccount", out, sizeof out), 0);
	assert_int_equal(bt_container_value(e, "TicketAccount", out, sizeof out), -1);
	/* a process creation's Image is its program, not an image */
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	bt_evbuf_adds(&eb, "Image", "C:\\docker.exe");
	e = bt_evbuf_done(&eb);
	assert_int_equal(bt_container_value(e, "ContainerImage", out, sizeof out), 0);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	bt_evbuf_adds(&eb, "Image", "C:\\docker.exe");
	bt_evbuf_adds(&eb, "CommandLine", "docker.exe run -it nginx:1.25");
	bt_evbuf_adds(&eb, "SubjectUserName", "jdoe");
	bt_evbuf_adds(&eb, "SubjectDomainName", "CORP");
	e = bt_evbuf_done(&eb);
	assert_int_equal(bt_container_value(e, "ContainerImage", out, sizeof out), 1);
	assert_string_equal(out, "nginx:1.25");
	assert_int_equal(bt_container_value(e, "ContainerAccount", out, sizeof out), 1);
	assert_string_equal(out, "CORP\\jdoe");
	assert_int_equal(bt_container_value(e, "HourOfDay", out, sizeof out), 0);
	bt_evbuf_free(&eb);
}

static void test_sudo_line(void **state)
{
	(void)state;
	struct bt_sudo_line l;
	const char *m = "  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; "
	                "COMMAND=/usr/bin/docker run -d --name web nginx:1.25";
	assert_true(bt_sudo_line_parse("sudo", 4, m, strlen(m), &l));
	assert_int_equal(l.user_len, 6);
	assert_memory_equal(l.user, "deploy", 6);
	assert_int_equal(l.runas_len, 4);
	assert_memory_equal(l.runas, "root", 4);
	assert_int_equal(l.pwd_len, 12);
	assert_int_equal(l.command_len, strlen("/usr/bin/docker run -d --name web nginx:1.25"));
	/* a command holding " ; " is the rest of the line */
	m = "bob : PWD=/ ; USER=root ; COMMAND=/usr/bin/podman run alpine sh -c a ; b";
	assert_true(bt_sudo_line_parse("sudo", 4, m, strlen(m), &l));
	assert_int_equal(l.command_len, strlen("/usr/bin/podman run alpine sh -c a ; b"));
	m = "bob : PWD=/ ; USER=root ; COMMAND=/usr/bin/apt upgrade";
	assert_false(bt_sudo_line_parse("sudo", 4, m, strlen(m), &l));     /* not a container CLI */
	m = "pam_unix(sudo:session): session opened for user root(uid=0) by bob(uid=1002)";
	assert_false(bt_sudo_line_parse("sudo", 4, m, strlen(m), &l));
	m = "bob : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/ ; USER=root ; "
	    "COMMAND=/usr/bin/docker run x";
	assert_false(bt_sudo_line_parse("sudo", 4, m, strlen(m), &l));     /* refused, not run */
	m = "bob : PWD=/ ; USER=root ; COMMAND=/usr/bin/docker run x";
	assert_false(bt_sudo_line_parse("su", 2, m, strlen(m), &l));
	assert_false(bt_sudo_line_parse("sudo", 4, "bob : PWD=/ ; COMMAND=", 22, &l));
	assert_false(bt_sudo_line_parse("sudo", 4, "bob : PWD=/", 11, &l));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_image),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_sudo_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
