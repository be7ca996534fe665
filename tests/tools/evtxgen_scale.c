/* evtxgen scale: large realistic logs for benchmarks, deterministic per seed.
 *
 * A fixed mix (per 1000 records; tests/tools/README.md has the table):
 *   Security (DC01.corp.local), 550: 4624 160, 4625 40, 4634 120, 4672 80,
 *     4688 100, 4768 15, 4769 30, 4771 5
 *   Sysmon (SRV-APP01.corp.local), 400: 7 180, 3 80, 1 50, 11 40, 13 30, 10 20
 *   System (SRV-APP01), 30: 7036 29, 7045 1
 *   Application (SRV-APP01), 20: docker (classic) 1 and 11
 * Each channel goes to its own files DIR/<Channel>-NNNN.evtx, rotated at
 * --file-size; generation stops once the files total --size bytes.
 * DIR/MANIFEST.tsv lists every file with its record count and id range. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "evtxgen.h"

#define SCRATCH 65536u
#define MAX_FIELDS 40
#define LIVE_PROCS 96
#define LOGON_RING 256

enum chan { CH_SECURITY, CH_SYSMON, CH_SYSTEM, CH_APPLICATION, CH_COUNT };

static const char *const chan_name[CH_COUNT] = {"Security", "Sysmon", "System", "Application"};
static const char *const chan_channel[CH_COUNT] = {
	"Security", "Microsoft-Windows-Sysmon/Operational", "System", "Application",
};

struct proc {
	uint8_t guid[16];
	uint32_t pid;
	const char *image, *cmd, *user;
};

struct logon {
	const char *user;
	uint64_t id;
	uint32_t type;
};

struct out {
	struct eg_writer *w;
	unsigned fileno;
	char path[4096];
	uint64_t records, first_id, next_id;
};

struct gen {
	uint64_t rng;
	uint64_t now;                     /* FILETIME of the current event */
	uint8_t buf[SCRATCH];
	size_t used;
	struct eg_field f[MAX_FIELDS];
	size_t nf;
	struct eg_event ev;
	struct proc procs[LIVE_PROCS];
	struct logon logons[LOGON_RING];
	unsigned nlogons;
	uint32_t next_pid;
	char users[300][32];
	char hosts[400][24];
	char ips[400][16];
	char tmp[8][512];
};

static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct gen *g, uint32_t n) { return (uint32_t)(rnd(g) % n); }

#define PICK(g, arr) ((arr)[below((g), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- value pools: realistic names, paths and hashes */

static const char *const first_names[] = {
	"james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "david",
	"elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas",
	"sarah", "charles", "karen", "daniel", "nancy", "matthew", "lisa", "anthony", "betty",
	"mark", "sandra", "paul", "ashley", "steven", "emily", "andrew", "donna", "kevin", "carol",
};
static const char *const last_names[] = {
	"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
	"martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor",
	"moore", "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez",
	"clark", "ramirez", "lewis", "robinson", "walker", "young", "allen", "king", "wright",
};
static const char *const services[] = {
	"svc_sql", "svc_web", "svc_backup", "svc_sccm", "svc_exchange", "svc_iis", "svc_sharepoint",
	"svc_jenkins", "svc_monitor", "svc_adsync", "DC01$", "SRV-APP01$", "SRV-FILE01$",
	"SRV-BUILD01$", "SRV-SQL01$", "krbtgt",
};

struct image {
	const char *path, *version, *desc, *product, *company, *orig;
};

static const struct image images[] = {
	{"C:\\Windows\\System32\\svchost.exe", "10.0.20348.1 (WinBuild.160101.0800)",
	 "Host Process for Windows Services", "Microsoft\xc2\xae Windows\xc2\xae Operating System",
	 "Microsoft Corporation", "svchost.exe"},
	{"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
	 "10.0.20348.1 (WinBuild.160101.0800)", "Windows PowerShell",
	 "Microsoft\xc2\xae Windows\xc2\xae Operating System", "Microsoft Corporation",
	 "PowerShell.EXE"},
	{"C:\\Windows\\System32\\cmd.exe", "10.0.20348.1 (WinBuild.160101.0800)",
	 "Windows Command Processor", "Microsoft\xc2\xae Windows\xc2\xae Operating System",
	 "Microsoft Corporation", "Cmd.Exe"},
	{"C:\\Windows\\System32\\conhost.exe", "10.0.20348.1 (WinBuild.160101.0800)",
	 "Console Window Host", "Microsoft\xc2\xae Windows\xc2\xae Operating System",
	 "Microsoft Corporation", "CONHOST.EXE"},
	{"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe",
	 "2019.0150.4345.05 ((SQLServer2019-CU22).230811-0150)", "SQL Server Windows NT - 64 Bit",
	 "Microsoft SQL Server", "Microsoft Corporation", "sqlservr.exe"},
	{"C:\\Windows\\System32\\inetsrv\\w3wp.exe", "10.0.20348.1 (WinBuild.160101.0800)",
	 "IIS Worker Process", "Internet Information Services", "Microsoft Corporation",
	 "w3wp.exe"},
	{"C:\\Program Files\\Docker\\dockerd.exe", "24.0.7", "Docker Engine", "Docker",
	 "Docker Inc.", "dockerd.exe"},
	{"C:\\Windows\\System32\\taskhostw.exe", "10.0.20348.1 (WinBuild.160101.0800)",
	 "Host Process for Windows Tasks", "Microsoft\xc2\xae Windows\xc2\xae Operating System",
	 "Microsoft Corporation", "taskhostw.exe"},
	{"C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "10.0.20348.1 (WinBuild.160101.0800)",
	 "WMI Provider Host", "Microsoft\xc2\xae Windows\xc2\xae Operating System",
	 "Microsoft Corporation", "Wmiprvse.exe"},
	{"C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe",
	 "10.8560.20348.1011", "Windows Defender Advanced Threat Protection Service Executable",
	 "Microsoft\xc2\xae Windows\xc2\xae Operating System", "Microsoft Corporation",
	 "MsSense.exe"},
	{"C:\\Windows\\System32\\msiexec.exe", "5.0.20348.1 (WinBuild.160101.0800)",
	 "Windows\xc2\xae installer", "Windows Installer - Unicode", "Microsoft Corporation",
	 "msiexec.exe"},
	{"C:\\Windows\\System32\\CExecSvc.exe", "10.0.20348.1 (WinBuild.160101.0800)",
	 "Container Execution Agent", "Microsoft\xc2\xae Windows\xc2\xae Operating System",
	 "Microsoft Corporation", "CExecSvc.exe"},
};

static const char *const dlls[] = {
	"ntdll.dll", "kernel32.dll", "KernelBase.dll", "advapi32.dll", "msvcrt.dll", "sechost.dll",
	"rpcrt4.dll", "combase.dll", "ucrtbase.dll", "bcrypt.dll", "ws2_32.dll", "crypt32.dll",
	"user32.dll", "win32u.dll", "gdi32.dll", "oleaut32.dll", "shell32.dll", "wintrust.dll",
	"msasn1.dll", "cryptbase.dll", "bcryptprimitives.dll", "clbcatq.dll", "wldp.dll",
	"amsi.dll", "dnsapi.dll", "iphlpapi.dll", "nsi.dll", "mswsock.dll", "secur32.dll",
	"sspicli.dll", "netapi32.dll", "samcli.dll", "wkscli.dll", "netutils.dll", "profapi.dll",
	"version.dll", "userenv.dll", "wevtapi.dll", "winhttp.dll", "webio.dll",
};

static const char *const cmdlines[] = {
	"C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
	"C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p",
	"\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1",
	"C:\\Windows\\system32\\cmd.exe /c \"C:\\Scripts\\rotate-logs.cmd\"",
	"\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
	"\"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe\" -sMSSQLSERVER",
	"c:\\windows\\system32\\inetsrv\\w3wp.exe -ap \"DefaultAppPool\" -v \"v4.0\" -l \"webengine4.dll\"",
	"\"C:\\Program Files\\Docker\\dockerd.exe\" --run-service",
	"taskhostw.exe Install $(Arg0)",
	"C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
	"\"C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe\"",
	"C:\\Windows\\system32\\msiexec.exe /V",
};

static const char *const reg_keys[] = {
	"HKLM\\System\\CurrentControlSet\\Services\\W32Time\\Config\\LastKnownGoodTime",
	"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\LastOnlineScanTimeForAppCategory",
	"HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{3f2a8c1e-5b7d-4e21-9c0a-7d6e5f4b3a21}\\DhcpIPAddress",
	"HKU\\S-1-5-18\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\ZoneMap\\ProxyBypass",
	"HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated",
	"HKLM\\System\\CurrentControlSet\\Services\\docker\\Start",
};


static const char *const dest_hosts[] = {
	"DC01.corp.local", "SRV-SQL01.corp.local", "SRV-FILE01.corp.local", "wsus.corp.local",
	"login.microsoftonline.com", "settings-win.data.microsoft.com", "mcr.microsoft.com",
	"winatp-gw-weu.microsoft.com",
};
static const char *const dest_ips[] = {
	"10.20.30.10", "10.20.30.21", "10.20.30.22", "10.20.30.30", "20.190.160.20",
	"51.104.136.2", "204.79.197.219", "52.114.76.34",
};
static const unsigned dest_ports[] = {445, 1433, 445, 8530, 443, 443, 443, 443};
static const char *const port_names[] = {
	"microsoft-ds", "ms-sql-s", "microsoft-ds", "-", "https", "https", "https", "https",
};

/* ---- field builders (values encoded straight into the scratch buffer) */

static uint8_t *scratch(struct gen *g, size_t n)
{
	if (n > SCRATCH - g->used)
		abort();          /* the generators below stay far below the scratch size */
	uint8_t *p = g->buf + g->used;
	g->used += n;
	return p;
}

static void f_add(struct gen *g, const char *name, uint8_t type, const uint8_t *p, size_t n)
{
	if (g->nf == MAX_FIELDS)
		abort();
	g->f[g->nf++] = (struct eg_field){name, {type, type, (uint16_t)n, p}};
}

static void f_str(struct gen *g, const char *name, const char *s)
{
	size_t n = strlen(s);
	uint8_t *p = scratch(g, 2 * n);
	bool ascii = true;
	for (size_t i = 0; i < n; i++) {
		ascii &= (unsigned char)s[i] < 0x80;
		p[2 * i] = (uint8_t)s[i];
		p[2 * i + 1] = 0;
	}
	long len = (long)(2 * n);
	if (!ascii)
		len = eg_utf16(s, n, p, 2 * n);
	f_add(g, name, EG_VT_STRING, p, (size_t)(len < 0 ? 0 : len));
}

static void f_int(struct gen *g, const char *name, uint8_t type, uint64_t v)
{
	size_t n = type == EG_VT_UINT16 ? 2 : type == EG_VT_UINT32 || type == EG_VT_HEXINT32 ||
	                                      type == EG_VT_BOOL ? 4 : 8;
	uint8_t *p = scratch(g, n);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	f_add(g, name, type, p, n);
}

/* Pointer-sized values: SizeT in the template, HexInt64 in the record. */
static void f_size(struct gen *g, const char *name, uint64_t v)
{
	f_int(g, name, EG_VT_HEXINT64, v);
	g->f[g->nf - 1].v.decl = EG_VT_SIZE;
}

static void f_guid(struct gen *g, const char *name, const uint8_t *guid)
{
	uint8_t *p = scratch(g, 16);
	memcpy(p, guid, 16);
	f_add(g, name, EG_VT_GUID, p, 16);
}

static void f_sid(struct gen *g, const char *name, const char *sid)
{
	uint8_t *p = scratch(g, 68);
	size_t n = eg_parse_sid(sid, p);
	f_add(g, name, EG_VT_SID, p, n);
}

static void rand_guid(struct gen *g, uint8_t out[16])
{
	eg_put64(out, rnd(g));
	eg_put64(out + 8, rnd(g));
	out[7] = (uint8_t)((out[7] & 0x0f) | 0x40);
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

static void hexstr(uint64_t seed, char *out, size_t digits, bool upper)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	uint64_t s = seed;
	for (size_t i = 0; i < digits; i++) {
		if (i % 16 == 0) {
			s += 0x9e3779b97f4a7c15ull;
			uint64_t z = s;
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			seed = z ^ (z >> 31);
		}
		out[i] = (upper ? up : lo)[(seed >> (4 * (i % 16))) & 15];
	}
	out[digits] = '\0';
}

static uint64_t strhash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* Sysmon's Hashes for a file: stable per path, like a real binary. */
static void hashes(const char *path, char *out)
{
	char sha1[41], md5[33], sha256[65], imp[33];
	uint64_t h = strhash(path);
	hexstr(h, sha1, 40, true);
	hexstr(h ^ 1, md5, 32, true);
	hexstr(h ^ 2, sha256, 64, true);
	hexstr(h ^ 3, imp, 32, true);
	sprintf(out, "SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s", sha1, md5, sha256, imp);
}

static void utc_ms(uint64_t ft, char *out)
{
	char t[40];
	eg_format_time(ft, t, sizeof t);
	/* "2026-03-14T09:12:03.1234567Z" -> "2026-03-14 09:12:03.123" */
	memcpy(out, t, 23);
	out[10] = ' ';
	out[23] = '\0';
}

/* ---- System part */

static void begin(struct gen *g, enum chan ch, const char *provider, const char *guid,
                  uint16_t id, uint8_t version, uint16_t task, uint64_t kw, const char *computer)
{
	g->used = 0;
	g->nf = 0;
	memset(&g->ev, 0, sizeof g->ev);
	g->ev.channel = chan_channel[ch];
	g->ev.provider = provider;
	if (guid) {
		g->ev.has_provider_guid = true;
		eg_parse_guid(guid, g->ev.provider_guid);
	}
	g->ev.event_id = id;
	g->ev.version = version;
	g->ev.level = ch == CH_SECURITY ? 0 : 4;
	g->ev.task = task;
	g->ev.keywords = kw;
	g->ev.time = g->now;
	g->ev.computer = computer;
	g->ev.payload = EG_PAYLOAD_DATA;
	g->ev.fields = g->f;
}

#define SEC_GUID "{54849625-5478-4994-A5BA-3E3B0328C30D}"
#define SYSMON_GUID "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"
#define DC "DC01.corp.local"
#define SRV "SRV-APP01.corp.local"
#define DOMAIN_SID "S-1-5-21-3623811015-3361044348-30300820"
#define KW_SUCCESS 0x8020000000000000ull
#define KW_FAILURE 0x8010000000000000ull

static void sec_begin(struct gen *g, uint16_t id, uint8_t version, uint16_t task, uint64_t kw)
{
	begin(g, CH_SECURITY, "Microsoft-Windows-Security-Auditing", SEC_GUID, id, version, task, kw,
	      DC);
	g->ev.process_id = 640;
	g->ev.thread_id = 700 + below(g, 4000);
}

static const char *user_sid(struct gen *g, unsigned u)
{
	char *s = g->tmp[7];
	sprintf(s, DOMAIN_SID "-%u", 1100 + u);
	return s;
}

static unsigned pick_user(struct gen *g) { return below(g, 300); }

static void gen_4624(struct gen *g)
{
	unsigned u = pick_user(g), h = below(g, 400);
	uint32_t type = below(g, 10) < 7 ? 3 : below(g, 2) ? 2 : 10;
	uint64_t lid = 0x1000000ull + (rnd(g) & 0xffffffffull);
	uint8_t lg[16];
	rand_guid(g, lg);
	sec_begin(g, 4624, 2, 12544, KW_SUCCESS);
	f_sid(g, "SubjectUserSid", type == 3 ? "S-1-0-0" : "S-1-5-18");
	f_str(g, "SubjectUserName", type == 3 ? "-" : "DC01$");
	f_str(g, "SubjectDomainName", type == 3 ? "-" : "CORP");
	f_int(g, "SubjectLogonId", EG_VT_HEXINT64, type == 3 ? 0 : 0x3e7);
	f_sid(g, "TargetUserSid", user_sid(g, u));
	f_str(g, "TargetUserName", g->users[u]);
	f_str(g, "TargetDomainName", "CORP.LOCAL");
	f_int(g, "TargetLogonId", EG_VT_HEXINT64, lid);
	f_int(g, "LogonType", EG_VT_UINT32, type);
	f_str(g, "LogonProcessName", type == 3 ? "Kerberos" : "User32 ");
	f_str(g, "AuthenticationPackageName", type == 3 ? "Kerberos" : "Negotiate");
	f_str(g, "WorkstationName", type == 3 ? "-" : g->hosts[h]);
	f_guid(g, "LogonGuid", lg);
	f_str(g, "TransmittedServices", "-");
	f_str(g, "LmPackageName", "-");
	f_int(g, "KeyLength", EG_VT_UINT32, 0);
	f_size(g, "ProcessId", type == 3 ? 0 : 0x2a4);
	f_str(g, "ProcessName", type == 3 ? "-" : "C:\\Windows\\System32\\svchost.exe");
	f_str(g, "IpAddress", g->ips[h]);
	sprintf(g->tmp[0], "%u", 49152 + below(g, 16000));
	f_str(g, "IpPort", type == 3 ? g->tmp[0] : "0");
	f_str(g, "ImpersonationLevel", "%%1833");
	f_str(g, "RestrictedAdminMode", "-");
	f_str(g, "TargetOutboundUserName", "-");
	f_str(g, "TargetOutboundDomainName", "-");
	f_str(g, "VirtualAccount", "%%1843");
	f_int(g, "TargetLinkedLogonId", EG_VT_HEXINT64, 0);
	f_str(g, "ElevatedToken", "%%1842");
	struct logon *l = &g->logons[g->nlogons++ % LOGON_RING];
	l->user = g->users[u];
	l->id = lid;
	l->type = type;
}

static void gen_4625(struct gen *g)
{
	unsigned u = pick_user(g), h = below(g, 400);
	bool badpw = below(g, 4) != 0;
	sec_begin(g, 4625, 0, 12544, KW_FAILURE);
	f_sid(g, "SubjectUserSid", "S-1-0-0");
	f_str(g, "SubjectUserName", "-");
	f_str(g, "SubjectDomainName", "-");
	f_int(g, "SubjectLogonId", EG_VT_HEXINT64, 0);
	f_sid(g, "TargetUserSid", "S-1-0-0");
	f_str(g, "TargetUserName", g->users[u]);
	f_str(g, "TargetDomainName", "CORP");
	f_int(g, "Status", EG_VT_HEXINT32, 0xc000006d);
	f_str(g, "FailureReason", "%%2313");
	f_int(g, "SubStatus", EG_VT_HEXINT32, badpw ? 0xc000006a : 0xc0000064);
	f_int(g, "LogonType", EG_VT_UINT32, 3);
	f_str(g, "LogonProcessName", "NtLmSsp ");
	f_str(g, "AuthenticationPackageName", "NTLM");
	f_str(g, "WorkstationName", g->hosts[h]);
	f_str(g, "TransmittedServices", "-");
	f_str(g, "LmPackageName", "-");
	f_int(g, "KeyLength", EG_VT_UINT32, 0);
	f_size(g, "ProcessId", 0);
	f_str(g, "ProcessName", "-");
	f_str(g, "IpAddress", g->ips[h]);
	sprintf(g->tmp[0], "%u", 49152 + below(g, 16000));
	f_str(g, "IpPort", g->tmp[0]);
}

static void gen_4634(struct gen *g)
{
	struct logon l = {g->users[0], 0x1234567, 3};
	unsigned u = 0;
	if (g->nlogons) {
		l = g->logons[below(g, g->nlogons < LOGON_RING ? g->nlogons : LOGON_RING)];
		for (u = 0; u < 300 && g->users[u] != l.user; u++)
			;
		if (u == 300)
			u = 0;
	}
	sec_begin(g, 4634, 0, 12545, KW_SUCCESS);
	f_sid(g, "TargetUserSid", user_sid(g, u));
	f_str(g, "TargetUserName", l.user);
	f_str(g, "TargetDomainName", "CORP");
	f_int(g, "TargetLogonId", EG_VT_HEXINT64, l.id);
	f_int(g, "LogonType", EG_VT_UINT32, l.type);
}

static void gen_4672(struct gen *g)
{
	bool admin = below(g, 3) == 0;
	unsigned u = pick_user(g);
	sec_begin(g, 4672, 0, 12548, KW_SUCCESS);
	f_sid(g, "SubjectUserSid", admin ? user_sid(g, u) : "S-1-5-18");
	f_str(g, "SubjectUserName", admin ? g->users[u] : "DC01$");
	f_str(g, "SubjectDomainName", "CORP");
	f_int(g, "SubjectLogonId", EG_VT_HEXINT64, 0x1000000ull + (rnd(g) & 0xffffffffull));
	f_str(g, "PrivilegeList",
	      "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\t"
	      "SeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege"
	      "\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\t"
	      "SeDelegateSessionUserImpersonatePrivilege\r\n\t\t\tSeEnableDelegationPrivilege");
}

static void gen_4688(struct gen *g)
{
	unsigned i = below(g, sizeof images / sizeof images[0]);
	sec_begin(g, 4688, 2, 13312, KW_SUCCESS);
	f_sid(g, "SubjectUserSid", "S-1-5-18");
	f_str(g, "SubjectUserName", "DC01$");
	f_str(g, "SubjectDomainName", "CORP");
	f_int(g, "SubjectLogonId", EG_VT_HEXINT64, 0x3e7);
	f_size(g, "NewProcessId", 4 * (1 + below(g, 16000)));
	f_str(g, "NewProcessName", images[i].path);
	f_str(g, "TokenElevationType", "%%1936");
	f_size(g, "ProcessId", 4 * (1 + below(g, 16000)));
	f_str(g, "CommandLine", cmdlines[i]);
	f_sid(g, "TargetUserSid", "S-1-0-0");
	f_str(g, "TargetUserName", "-");
	f_str(g, "TargetDomainName", "-");
	f_int(g, "TargetLogonId", EG_VT_HEXINT64, 0);
	f_str(g, "ParentProcessName", "C:\\Windows\\System32\\services.exe");
	f_sid(g, "MandatoryLabel", "S-1-16-16384");
}

static void kerberos_client(struct gen *g, unsigned *h, char *port)
{
	*h = below(g, 400);
	sprintf(g->tmp[1], "::ffff:%s", g->ips[*h]);
	sprintf(port, "%u", 49152 + below(g, 16000));
}

static void gen_4768(struct gen *g)
{
	unsigned u = pick_user(g), h;
	kerberos_client(g, &h, g->tmp[2]);
	sec_begin(g, 4768, 0, 14339, KW_SUCCESS);
	f_str(g, "TargetUserName", g->users[u]);
	f_str(g, "TargetDomainName", "CORP.LOCAL");
	f_sid(g, "TargetSid", user_sid(g, u));
	f_str(g, "ServiceName", "krbtgt");
	f_sid(g, "ServiceSid", DOMAIN_SID "-502");
	f_int(g, "TicketOptions", EG_VT_HEXINT32, 0x40810010);
	f_int(g, "Status", EG_VT_HEXINT32, 0);
	f_int(g, "TicketEncryptionType", EG_VT_HEXINT32, 0x12);
	f_str(g, "PreAuthType", "2");
	f_str(g, "IpAddress", g->tmp[1]);
	f_str(g, "IpPort", g->tmp[2]);
	f_str(g, "CertIssuerName", "");
	f_str(g, "CertSerialNumber", "");
	f_str(g, "CertThumbprint", "");
}

static void gen_4769(struct gen *g)
{
	unsigned u = pick_user(g), h, s = below(g, sizeof services / sizeof services[0] - 1);
	uint8_t lg[16];
	kerberos_client(g, &h, g->tmp[2]);
	rand_guid(g, lg);
	sec_begin(g, 4769, 0, 14337, KW_SUCCESS);
	sprintf(g->tmp[3], "%s@CORP.LOCAL", g->users[u]);
	f_str(g, "TargetUserName", g->tmp[3]);
	f_str(g, "TargetDomainName", "CORP.LOCAL");
	f_str(g, "ServiceName", services[s]);
	sprintf(g->tmp[4], DOMAIN_SID "-%u", 1500 + s);
	f_sid(g, "ServiceSid", g->tmp[4]);
	f_int(g, "TicketOptions", EG_VT_HEXINT32, 0x40810000);
	f_int(g, "TicketEncryptionType", EG_VT_HEXINT32, 0x12);
	f_str(g, "IpAddress", g->tmp[1]);
	f_str(g, "IpPort", g->tmp[2]);
	f_int(g, "Status", EG_VT_HEXINT32, 0);
	f_guid(g, "LogonGuid", lg);
	f_str(g, "TransmittedServices", "-");
}

static void gen_4771(struct gen *g)
{
	unsigned u = pick_user(g), h;
	kerberos_client(g, &h, g->tmp[2]);
	sec_begin(g, 4771, 0, 14339, KW_FAILURE);
	f_str(g, "TargetUserName", g->users[u]);
	f_sid(g, "TargetSid", user_sid(g, u));
	f_str(g, "ServiceName", "krbtgt/CORP.LOCAL");
	f_int(g, "TicketOptions", EG_VT_HEXINT32, 0x40810010);
	f_int(g, "Status", EG_VT_HEXINT32, 0x18);
	f_str(g, "PreAuthType", "2");
	f_str(g, "IpAddress", g->tmp[1]);
	f_str(g, "IpPort", g->tmp[2]);
	f_str(g, "CertIssuerName", "");
	f_str(g, "CertSerialNumber", "");
	f_str(g, "CertThumbprint", "");
}

/* ---- Sysmon */

static void sysmon_begin(struct gen *g, uint16_t id, uint8_t version)
{
	begin(g, CH_SYSMON, "Microsoft-Windows-Sysmon", SYSMON_GUID, id, version, id,
	      0x8000000000000000ull, SRV);
	g->ev.process_id = 3012;
	g->ev.thread_id = 4100 + below(g, 200);
	g->ev.sid_len = (uint8_t)eg_parse_sid("S-1-5-18", g->ev.sid);
	utc_ms(g->now, g->tmp[6]);
}

static void proc_guid(struct gen *g, uint8_t out[16])
{
	rand_guid(g, out);
	/* Sysmon process GUIDs share their first field per machine */
	eg_put32(out, 0x8e7f3a21u);
}

static struct proc *any_proc(struct gen *g) { return &g->procs[below(g, LIVE_PROCS)]; }

static void gen_sysmon1(struct gen *g)
{
	struct proc *parent = any_proc(g), *p = &g->procs[below(g, LIVE_PROCS)];
	unsigned i = below(g, sizeof images / sizeof images[0]);
	uint8_t lg[16];
	char h[200];
	if (p == parent)
		p = &g->procs[(p - g->procs + 1) % LIVE_PROCS];
	proc_guid(g, p->guid);
	p->pid = (g->next_pid += 4 * (1 + below(g, 20))) % 60000 + 100;
	p->image = images[i].path;
	p->cmd = cmdlines[i];
	p->user = below(g, 4) ? "NT AUTHORITY\\SYSTEM" : "CORP\\svc_web";
	rand_guid(g, lg);
	hashes(images[i].path, h);
	sysmon_begin(g, 1, 5);
	f_str(g, "RuleName", "-");
	f_str(g, "UtcTime", g->tmp[6]);
	f_guid(g, "ProcessGuid", p->guid);
	f_int(g, "ProcessId", EG_VT_UINT32, p->pid);
	f_str(g, "Image", images[i].path);
	f_str(g, "FileVersion", images[i].version);
	f_str(g, "Description", images[i].desc);
	f_str(g, "Product", images[i].product);
	f_str(g, "Company", images[i].company);
	f_str(g, "OriginalFileName", images[i].orig);
	f_str(g, "CommandLine", cmdlines[i]);
	f_str(g, "CurrentDirectory", "C:\\Windows\\system32\\");
	f_str(g, "User", p->user);
	f_guid(g, "LogonGuid", lg);
	f_int(g, "LogonId", EG_VT_HEXINT64, 0x3e7);
	f_int(g, "TerminalSessionId", EG_VT_UINT32, 0);
	f_str(g, "IntegrityLevel", "System");
	f_str(g, "Hashes", h);
	f_guid(g, "ParentProcessGuid", parent->guid);
	f_int(g, "ParentProcessId", EG_VT_UINT32, parent->pid);
	f_str(g, "ParentImage", parent->image);
	f_str(g, "ParentCommandLine", parent->cmd);
	f_str(g, "ParentUser", parent->user);
}

static void gen_sysmon3(struct gen *g)
{
	struct proc *p = any_proc(g);
	unsigned d = below(g, sizeof dest_hosts / sizeof dest_hosts[0]);
	sysmon_begin(g, 3, 5);
	f_str(g, "RuleName", "-");
	f_str(g, "UtcTime", g->tmp[6]);
	f_guid(g, "ProcessGuid", p->guid);
	f_int(g, "ProcessId", EG_VT_UINT32, p->pid);
	f_str(g, "Image", p->image);
	f_str(g, "User", p->user);
	f_str(g, "Protocol", "tcp");
	f_int(g, "Initiated", EG_VT_BOOL, 1);
	f_int(g, "SourceIsIpv6", EG_VT_BOOL, 0);
	f_str(g, "SourceIp", "10.20.30.50");
	f_str(g, "SourceHostname", SRV);
	f_int(g, "SourcePort", EG_VT_UINT16, 49152 + below(g, 16000));
	f_str(g, "SourcePortName", "-");
	f_int(g, "DestinationIsIpv6", EG_VT_BOOL, 0);
	f_str(g, "DestinationIp", dest_ips[d]);
	f_str(g, "DestinationHostname", dest_hosts[d]);
	f_int(g, "DestinationPort", EG_VT_UINT16, dest_ports[d]);
	f_str(g, "DestinationPortName", port_names[d]);
}

static void gen_sysmon7(struct gen *g)
{
	struct proc *p = any_proc(g);
	const char *dll = PICK(g, dlls);
	char path[160], h[200];
	sprintf(path, "C:\\Windows\\System32\\%s", dll);
	hashes(path, h);
	sysmon_begin(g, 7, 3);
	f_str(g, "RuleName", "-");
	f_str(g, "UtcTime", g->tmp[6]);
	f_guid(g, "ProcessGuid", p->guid);
	f_int(g, "ProcessId", EG_VT_UINT32, p->pid);
	f_str(g, "Image", p->image);
	f_str(g, "ImageLoaded", path);
	f_str(g, "FileVersion", "10.0.20348.2031 (WinBuild.160101.0800)");
	f_str(g, "Description", dll);
	f_str(g, "Product", "Microsoft\xc2\xae Windows\xc2\xae Operating System");
	f_str(g, "Company", "Microsoft Corporation");
	f_str(g, "OriginalFileName", dll);
	f_str(g, "Hashes", h);
	f_str(g, "Signed", "true");
	f_str(g, "Signature", "Microsoft Windows");
	f_str(g, "SignatureStatus", "Valid");
	f_str(g, "User", p->user);
}

static void gen_sysmon10(struct gen *g)
{
	struct proc *s = any_proc(g), *t = any_proc(g);
	sysmon_begin(g, 10, 3);
	f_str(g, "RuleName", "-");
	f_str(g, "UtcTime", g->tmp[6]);
	f_guid(g, "SourceProcessGUID", s->guid);
	f_int(g, "SourceProcessId", EG_VT_UINT32, s->pid);
	f_int(g, "SourceThreadId", EG_VT_UINT32, 1000 + below(g, 9000));
	f_str(g, "SourceImage", s->image);
	f_guid(g, "TargetProcessGUID", t->guid);
	f_int(g, "TargetProcessId", EG_VT_UINT32, t->pid);
	f_str(g, "TargetImage", t->image);
	f_int(g, "GrantedAccess", EG_VT_HEXINT32, below(g, 2) ? 0x1000 : 0x1400);
	f_str(g, "CallTrace",
	      "C:\\Windows\\SYSTEM32\\ntdll.dll+9f8e4|C:\\Windows\\System32\\KERNELBASE.dll+2b6a2|"
	      "C:\\Windows\\system32\\sysmain.dll+3a1c2|C:\\Windows\\System32\\svchost.exe+3d7b");
	f_str(g, "SourceUser", s->user);
	f_str(g, "TargetUser", t->user);
}

static void gen_sysmon11(struct gen *g)
{
	struct proc *p = any_proc(g);
	char ct[32];
	switch (below(g, 6)) {
	case 0:
		sprintf(g->tmp[0], "C:\\Windows\\Temp\\MpCmdRun.log");
		break;
	case 1:
		sprintf(g->tmp[0], "C:\\Windows\\Prefetch\\SVCHOST.EXE-%08X.pf", (unsigned)rnd(g));
		break;
	case 2:
		sprintf(g->tmp[0], "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History"
		        "\\Service\\DetectionHistory\\%08X", (unsigned)rnd(g));
		break;
	case 3:
		sprintf(g->tmp[0], "C:\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex2603%02u.log",
		        below(g, 31) + 1);
		break;
	case 4:
		sprintf(g->tmp[0], "C:\\Users\\%s\\AppData\\Local\\Temp\\tmp%04X.tmp",
		        g->users[pick_user(g)], below(g, 65536));
		break;
	default:
		sprintf(g->tmp[0], "C:\\ProgramData\\docker\\containers\\%016llx%016llx\\hostconfig.json",
		        (unsigned long long)rnd(g), (unsigned long long)rnd(g));
		break;
	}
	sysmon_begin(g, 11, 2);
	utc_ms(g->now - 10000ull * below(g, 100000), ct);
	f_str(g, "RuleName", "-");
	f_str(g, "UtcTime", g->tmp[6]);
	f_guid(g, "ProcessGuid", p->guid);
	f_int(g, "ProcessId", EG_VT_UINT32, p->pid);
	f_str(g, "Image", p->image);
	f_str(g, "TargetFilename", g->tmp[0]);
	f_str(g, "CreationUtcTime", ct);
	f_str(g, "User", p->user);
}

static void gen_sysmon13(struct gen *g)
{
	struct proc *p = any_proc(g);
	sysmon_begin(g, 13, 2);
	sprintf(g->tmp[0], "DWORD (0x%08x)", (unsigned)(rnd(g) & 0xffff));
	f_str(g, "RuleName", "-");
	f_str(g, "EventType", "SetValue");
	f_str(g, "UtcTime", g->tmp[6]);
	f_guid(g, "ProcessGuid", p->guid);
	f_int(g, "ProcessId", EG_VT_UINT32, p->pid);
	f_str(g, "Image", p->image);
	f_str(g, "TargetObject", PICK(g, reg_keys));
	f_str(g, "Details", g->tmp[0]);
	f_str(g, "User", p->user);
}

/* ---- System and Application */

static void gen_7036(struct gen *g)
{
	static const char *const svcs[] = {
		"Windows Update", "Background Intelligent Transfer Service", "Docker Engine",
		"Windows Modules Installer", "WinHTTP Web Proxy Auto-Discovery Service",
		"Software Protection", "Windows Defender Antivirus Network Inspection Service",
	};
	bool run = below(g, 2);
	static const uint8_t bin_running[] = {
		0x77, 0x00, 0x75, 0x00, 0x61, 0x00, 0x75, 0x00, 0x73, 0x00, 0x65, 0x00, 0x72, 0x00,
		0x76, 0x00, 0x2f, 0x00, 0x34, 0x00, 0x00, 0x00,
	};
	begin(g, CH_SYSTEM, "Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
	      7036, 0, 0, 0x8080000000000000ull, SRV);
	g->ev.event_source_name = "Service Control Manager";
	g->ev.has_qualifiers = true;
	g->ev.qualifiers = 16384;
	g->ev.process_id = 696;
	g->ev.thread_id = 2000 + below(g, 2000);
	f_str(g, "param1", PICK(g, svcs));
	f_str(g, "param2", run ? "running" : "stopped");
	f_add(g, "Binary", EG_VT_BINARY, bin_running, sizeof bin_running);
}

static void gen_7045(struct gen *g)
{
	begin(g, CH_SYSTEM, "Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
	      7045, 0, 0, 0x8080000000000000ull, SRV);
	g->ev.event_source_name = "Service Control Manager";
	g->ev.has_qualifiers = true;
	g->ev.qualifiers = 16384;
	g->ev.process_id = 696;
	g->ev.thread_id = 2000 + below(g, 2000);
	g->ev.sid_len = (uint8_t)eg_parse_sid(DOMAIN_SID "-500", g->ev.sid);
	f_str(g, "ServiceName", "Microsoft Update Health Service");
	f_str(g, "ImagePath", "\"C:\\Program Files\\Microsoft Update Health Tools\\uhssvc.exe\"");
	f_str(g, "ServiceType", "user mode service");
	f_str(g, "StartType", "auto start");
	f_str(g, "AccountName", "LocalSystem");
}

static void gen_docker(struct gen *g)
{
	static const char *const msgs[][2] = {
		{"Container health status changed", "container=ci-build status=healthy"},
		{"Attempting next endpoint for pull after error", "error=\"manifest unknown\""},
		{"API listen on //./pipe/docker_engine", ""},
		{"Loading containers: done.", ""},
		{"ignoring event", "module=libcontainerd namespace=moby topic=/tasks/create type=*events.TaskCreate"},
	};
	unsigned i = below(g, sizeof msgs / sizeof msgs[0]);
	bool fields = msgs[i][1][0] != '\0';
	begin(g, CH_APPLICATION, "docker", NULL, fields ? 11 : 1, 0, 0, 0x80000000000000ull, SRV);
	g->ev.has_qualifiers = true;
	g->ev.payload = EG_PAYLOAD_UNNAMED;
	f_str(g, NULL, msgs[i][0]);
	if (fields)
		f_str(g, NULL, msgs[i][1]);
}

/* ---- the mix */

struct mix {
	unsigned weight;           /* per 1000 records */
	enum chan ch;
	void (*gen)(struct gen *);
	const char *what;
};

static const struct mix mix[] = {
	{160, CH_SECURITY, gen_4624, "4624"}, {40, CH_SECURITY, gen_4625, "4625"},
	{120, CH_SECURITY, gen_4634, "4634"}, {80, CH_SECURITY, gen_4672, "4672"},
	{100, CH_SECURITY, gen_4688, "4688"}, {15, CH_SECURITY, gen_4768, "4768"},
	{30, CH_SECURITY, gen_4769, "4769"},  {5, CH_SECURITY, gen_4771, "4771"},
	{180, CH_SYSMON, gen_sysmon7, "7"},   {80, CH_SYSMON, gen_sysmon3, "3"},
	{50, CH_SYSMON, gen_sysmon1, "1"},    {40, CH_SYSMON, gen_sysmon11, "11"},
	{30, CH_SYSMON, gen_sysmon13, "13"},  {20, CH_SYSMON, gen_sysmon10, "10"},
	{29, CH_SYSTEM, gen_7036, "7036"},    {1, CH_SYSTEM, gen_7045, "7045"},
	{20, CH_APPLICATION, gen_docker, "docker"},
};

static void init_pools(struct gen *g)
{
	for (unsigned u = 0; u < 300; u++)
		sprintf(g->users[u], "%s.%s", PICK(g, first_names), PICK(g, last_names));
	for (unsigned h = 0; h < 400; h++) {
		sprintf(g->hosts[h], "WS-%03u", h + 1);
		sprintf(g->ips[h], "10.20.%u.%u", 40 + h / 200, 10 + h % 200);
	}
	for (unsigned i = 0; i < LIVE_PROCS; i++) {
		unsigned k = below(g, sizeof images / sizeof images[0]);
		proc_guid(g, g->procs[i].guid);
		g->procs[i].pid = 400 + 4 * i;
		g->procs[i].image = images[k].path;
		g->procs[i].cmd = cmdlines[k];
		g->procs[i].user = "NT AUTHORITY\\SYSTEM";
	}
	g->next_pid = 4000;
}

static int open_out(const struct eg_scale_opts *o, struct out *out, enum chan ch, char *err)
{
	struct eg_writer_opts wo = {
		.max_chunks = (uint32_t)((o->file_size - EG_FILE_HEADER_SIZE) / EG_CHUNK_SIZE),
	};
	out->fileno++;
	snprintf(out->path, sizeof out->path, "%s/%s-%04u.evtx", o->dir, chan_name[ch], out->fileno);
	out->records = 0;
	out->first_id = out->next_id;
	out->w = eg_writer_open(out->path, &wo, err);
	return out->w ? 0 : -1;
}

static int close_out(struct out *out, FILE *manifest, uint64_t *closed_bytes, char *err)
{
	uint64_t size = eg_writer_size(out->w);
	int rc = eg_writer_close(out->w, err);
	out->w = NULL;
	if (rc < 0)
		return -1;
	*closed_bytes += size;
	const char *base = strrchr(out->path, '/');
	fprintf(manifest, "%s\t%llu\t%llu\t%llu\t%llu\n", base ? base + 1 : out->path,
	        (unsigned long long)out->records, (unsigned long long)out->first_id,
	        (unsigned long long)(out->next_id - 1),
	        (unsigned long long)((size - EG_FILE_HEADER_SIZE) / EG_CHUNK_SIZE));
	return 0;
}

int eg_scale(const struct eg_scale_opts *o, char *err)
{
	if (mkdir(o->dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, EG_ERR_SIZE, "%.200s: %s", o->dir, strerror(errno));
		return -1;
	}
	char mpath[4200];
	snprintf(mpath, sizeof mpath, "%s/MANIFEST.tsv", o->dir);
	FILE *manifest = fopen(mpath, "w");
	if (!manifest) {
		snprintf(err, EG_ERR_SIZE, "%.200s: %s", mpath, strerror(errno));
		return -1;
	}
	fprintf(manifest, "file\trecords\tfirst_record_id\tlast_record_id\tchunks\n");
	struct gen *g = calloc(1, sizeof *g);
	struct out outs[CH_COUNT] = {{0}};
	uint64_t per_type[sizeof mix / sizeof mix[0]] = {0};
	int rc = -1;
	if (!g) {
		snprintf(err, EG_ERR_SIZE, "out of memory");
		fclose(manifest);
		return -1;
	}
	g->rng = o->seed * 0x2545f4914f6cdd1dull + 1;
	init_pools(g);
	eg_parse_time("2026-03-01T00:00:00Z", &g->now);
	for (int c = 0; c < CH_COUNT; c++)
		outs[c].next_id = 1000000 + below(g, 900000);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t closed = 0, records = 0;
	for (;;) {
		uint64_t open_bytes = 0;
		for (int c = 0; c < CH_COUNT; c++)
			if (outs[c].w)
				open_bytes += eg_writer_size(outs[c].w);
		if (closed + open_bytes >= o->size)
			break;
		unsigned r = below(g, 1000), k = 0;
		while (r >= mix[k].weight) {
			r -= mix[k].weight;
			k++;
		}
		g->now += 10000ull * (1 + below(g, 20));     /* 1-20 ms apart */
		mix[k].gen(g);
		struct out *out = &outs[mix[k].ch];
		g->ev.has_record_id = true;
		g->ev.record_id = out->next_id;
		g->ev.nfields = g->nf;
		if (!out->w && open_out(o, out, mix[k].ch, err) < 0)
			goto done;
		int a = eg_writer_add(out->w, &g->ev, err);
		if (a > 0) {              /* the file is full: the record starts the next one */
			if (close_out(out, manifest, &closed, err) < 0 ||
			    open_out(o, out, mix[k].ch, err) < 0)
				goto done;
			a = eg_writer_add(out->w, &g->ev, err);
		}
		if (a != 0) {
			if (a > 0)
				snprintf(err, EG_ERR_SIZE, "a record does not fit in an empty file");
			goto done;
		}
		out->next_id++;
		out->records++;
		per_type[k]++;
		records++;
	}
	for (int c = 0; c < CH_COUNT; c++)
		if (outs[c].w && close_out(&outs[c], manifest, &closed, err) < 0)
			goto done;
	rc = 0;
done:
	for (int c = 0; c < CH_COUNT; c++)
		if (outs[c].w)
			eg_writer_close(outs[c].w, err);
	if (fclose(manifest) != 0 && rc == 0) {
		snprintf(err, EG_ERR_SIZE, "%.200s: %s", mpath, strerror(errno));
		rc = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == 0 && !o->quiet) {
		double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		fprintf(stderr, "evtxgen: scale: %llu bytes, %llu records in %.2f s (%.1f MB/s, "
		        "%.0f records/s); seed %llu\n",
		        (unsigned long long)closed, (unsigned long long)records, s,
		        s > 0 ? (double)closed / 1e6 / s : 0.0, s > 0 ? (double)records / s : 0.0,
		        (unsigned long long)o->seed);
		for (size_t k = 0; k < sizeof mix / sizeof mix[0]; k++)
			fprintf(stderr, "  %-11s %-6s %llu\n", chan_name[mix[k].ch], mix[k].what,
			        (unsigned long long)per_type[k]);
	}
	free(g);
	return rc;
}
