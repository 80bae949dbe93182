/*
 * equiv.c — given names that are "the same name" although no letter table
 * can say so: one Arabic or Persian name and its many Latin spellings
 * (محمد: MUHAMMAD, MOHAMMED, MOHAMED, MEHMET ...), and short forms and
 * nicknames (BILL for WILLIAM, SASHA for ALEXANDER, KOSTAS for
 * KONSTANTINOS).
 *
 * Each line of the table is one group: a kind letter ('V' spelling variants
 * of one name, 'N' nicknames and short forms), then its members separated by
 * spaces, native script first where there is one. The first A-Z member is
 * the group's label and the spelling an Arabic token gets. A member may be in
 * several groups (SASHA: ALEXANDER and ALEXANDRA). Built from general
 * knowledge of name usage; docs/screening.md says how to extend it.
 */
#include <pthread.h>
#include <unicode/utf8.h>

#include "screen_int.h"
#include "tims/util.h"

static const char *const groups[] = {
	/* Arabic, Persian and Turkish forms of the same given name */
	"V محمد MUHAMMAD MOHAMMED MOHAMMAD MOHAMED MOHAMAD MUHAMMED MUHAMED MOHAMMET MEHMET MEHMED MAHOMED MOUHAMED MOHAMMEDE",
	"V احمد AHMED AHMAD AHMET AHMAT",
	"V محمود MAHMOUD MAHMUD MAHMOOD MAHMUT",
	"V علي ALI ALY",
	"V حسن HASSAN HASAN HASSEN HACEN",
	"V حسين HUSSEIN HUSSAIN HUSAIN HUSEIN HOSSEIN HOSEIN HUSEYIN HOUSSEIN HUSEYN",
	"V عبدالله ABDULLAH ABDALLAH ABDULLA ABDELLAH ABDOULAYE ABDULLAHI",
	"V عبدالرحمن ABDULRAHMAN ABDELRAHMAN ABDURRAHMAN ABDERRAHMANE ABDURAHMAN",
	"V عبدالعزيز ABDULAZIZ ABDELAZIZ ABDULAZEEZ",
	"V عمر OMAR UMAR OMER",
	"V عثمان OSMAN OTHMAN USMAN UTHMAN OUSMANE",
	"V يوسف YOUSSEF YUSUF YOUSEF YOUSSOUF YUSSUF YOUSIF YUSIF",
	"V ابراهيم IBRAHIM EBRAHIM IBRAHEEM IBRAGIM BRAHIM",
	"V اسماعيل ISMAIL ISMAEL ESMAIL SMAIL ISMAYIL",
	"V خالد KHALED KHALID HALID",
	"V مصطفى MUSTAFA MOSTAFA MUSTAPHA MOUSTAFA MOSTAPHA",
	"V سعيد SAID SAEED SAIED SAEID SAYEED",
	"V سيد SAYED SAYYID SEYED SEYYED SAYYED SAIYED",
	"V جمال JAMAL GAMAL DJAMEL CEMAL JAMEL",
	"V كمال KAMAL KEMAL",
	"V يحيى YAHYA YAHIA YEHIA YAHIYA",
	"V زكريا ZAKARIA ZAKARIYA ZAKARIYYA ZAKARIYA",
	"V موسى MUSA MOUSSA MOUSA MUSSA",
	"V عيسى ISA ISSA EISA",
	"V طارق TARIQ TAREK TARIK TAREQ",
	"V رضا REZA RIDA RIDHA REDA",
	"V حميد HAMID HAMEED",
	"V رشيد RASHID RACHID RASHEED RESIT",
	"V صالح SALEH SALIH",
	"V صلاح SALAH SALAHE",
	"V ياسر YASSER YASIR YASER",
	"V ياسين YASSIN YASIN YASSINE YACINE",
	"V نور NOUR NUR NOOR",
	"V فاطمة FATIMA FATMA FATEMEH FATIMAH FADIMA FATEMA",
	"V عائشة AISHA AYSHA AICHA AYSE AISCHA AYESHA AISHAH",
	"V زينب ZAINAB ZEINAB ZAYNAB ZEYNEP",
	"V مريم MARYAM MARIAM MERYEM MERIEM",
	"V خديجة KHADIJA KHADIJAH HATICE KHADIDJA",
	"V ليلى LAYLA LEILA LAILA LEYLA",
	"V امينة AMINA AMINAH EMINE",
	"V مهدي MAHDI MEHDI",
	"V امير AMIR EMIR AMEER",
	"V جواد JAVAD JAWAD CEVAT",
	"V مجيد MAJID MADJID MAJEED MECIT",
	"V مرتضي MORTEZA MURTAZA MURTADA",
	"V پرويز PARVIZ PERVIZ",
	"V فرهاد FARHAD FERHAT",
	"V داريوش DARIUSH DARYOUSH DARIOUSH",
	"V شيرين SHIRIN SHIREEN SIRIN",
	"V نرگس NARGES NARGIS NERGIS",
	"V كوروش KOUROSH KUROSH",
	"V حبيب HABIB HABEEB",
	"V بلال BILAL BELAL",
	"V عادل ADEL ADIL",
	"V انور ANWAR ANOUAR ENVER",
	"V نبيل NABIL NABEEL",
	"V وليد WALID WALEED OUALID",
	"V ناصر NASSER NASIR NASER",
	"V هشام HISHAM HICHAM HESHAM",
	"V عماد IMAD EMAD",
	"V فيصل FAISAL FAYSAL FEYSAL",
	"V منصور MANSOUR MANSUR MANSOOR",
	"V سليمان SULEIMAN SULAIMAN SULEYMAN SOLIMAN SLIMANE",
	"V هاشم HASHEM HASHIM HACHEM",
	"V قاسم QASIM KASSEM QASEM KASIM GHASEM",
	"V جعفر JAFAR JAAFAR DJAFAR CAFER",
	"V شريف SHARIF CHERIF SHERIF SERIF",
	"V عزيز AZIZ AZEEZ",
	"V كريم KARIM KAREEM KERIM",
	"V رحيم RAHIM RAHEEM",
	/* Slavic names and their short forms */
	"N ALEXANDER ALEKSANDR ALEXANDR OLEKSANDR ALEKSANDER ALEX ALEKS SASHA SASCHA SANYA SHURA",
	"N ALEXANDRA ALEKSANDRA OLEKSANDRA SASHA SASCHA ALEX SANYA SHURA",
	"N ALEXEY ALEKSEI ALEXEI OLEKSIY OLEKSII ALEKSEJ ALYOSHA LYOSHA",
	"N DMITRY DMITRII DMITRIY DMYTRO DIMA DIMITRI",
	"N VLADIMIR VOLODYMYR VOVA VOLODYA",
	"N YEVGENY EVGENY EVGENII YEVHEN YEVGENIY EVGENIJ ZHENYA EUGEN",
	"N YEKATERINA EKATERINA KATERYNA KATYA KATJA KATIA",
	"N IVAN VANYA",
	"N NIKOLAI NIKOLAY MYKOLA KOLYA NIKOLAJ",
	"N SERGEY SERGEI SERHIY SERHII SERGEJ SERGIY SERYOZHA",
	"N ANATOLY ANATOLII ANATOLIY TOLYA",
	"N MIKHAIL MICHAIL MYKHAILO MISHA",
	"N YURI YURIY IURII YURIJ JURIJ JURI YURA",
	"N PAVEL PAVLO PASHA",
	"N PYOTR PETR PETRO PETYA PETER",
	"N ELENA YELENA OLENA ALENA LENA",
	"N OLGA OLHA OLYA",
	"N TATIANA TATYANA TETIANA TANYA",
	"N NATALIA NATALYA NATALIIA NATASHA",
	"N MARIA MARIYA MARIIA MASHA",
	"N ANASTASIA ANASTASIYA ANASTASIIA NASTYA",
	"N SVETLANA SVITLANA SVETA",
	"N BORIS BORYA",
	"N KONSTANTIN KOSTYA KOSTIANTYN",
	/* Greek */
	"N KONSTANTINOS KOSTAS COSTAS KONSTANTINE",
	"N IOANNIS GIANNIS YANNIS IOANNES",
	"N NIKOLAOS NIKOS",
	"N PANAGIOTIS PANOS TAKIS",
	"N DIMITRIOS DIMITRIS",
	"N VASILEIOS VASILIS VASSILIS",
	"N GEORGIOS GIORGOS YIORGOS",
	"N ATHANASIOS THANASIS",
	"N EMMANOUIL MANOLIS",
	"N SPYRIDON SPYROS",
	/* English, German, Romance */
	"N WILLIAM BILL BILLY WILL WILLY LIAM",
	"N ROBERT BOB BOBBY ROB ROBBIE",
	"N RICHARD RICK RICKY DICK RICHIE",
	"N JAMES JIM JIMMY JAMIE",
	"N JOHN JACK JOHNNY JOHAN JOHANN JOHANNES HANS",
	"N MICHAEL MIKE MICKEY MICK",
	"N ELIZABETH ELISABETH LIZ LIZZIE BETH BETTY ELIZA BESS",
	"N MARGARET MAGGIE MEG PEGGY MARGE",
	"N PATRICIA PAT PATTY TRISH",
	"N PATRICK PAT PADDY",
	"N JENNIFER JEN JENNY",
	"N CHRISTOPHER CHRIS",
	"N CHRISTINE CHRISTINA CHRIS TINA",
	"N THOMAS TOM TOMMY",
	"N ANTHONY TONY",
	"N EDWARD ED EDDIE TED NED",
	"N JOSEPH JOE JOEY JOSEF",
	"N DANIEL DAN DANNY",
	"N DAVID DAVE DAVEY",
	"N STEPHEN STEVEN STEVE",
	"N MATTHEW MATT",
	"N ANDREW ANDY DREW",
	"N JOSHUA JOSH",
	"N BENJAMIN BEN BENNY",
	"N SAMUEL SAM SAMMY",
	"N FREDERICK FRED FREDDIE FRIEDRICH FRITZ",
	"N ALFRED ALF ALFIE FRED",
	"N CHARLES CHARLIE CHUCK",
	"N HENRY HARRY HANK",
	"N HEINRICH HEINZ",
	"N GERALD GERRY JERRY",
	"N LAWRENCE LARRY",
	"N TIMOTHY TIM",
	"N PETER PETE",
	"N PHILIP PHILLIP PHIL",
	"N RAYMOND RAY",
	"N RONALD RON RONNIE",
	"N DONALD DON DONNIE",
	"N KENNETH KEN KENNY",
	"N GREGORY GREG",
	"N NATHANIEL NATHAN NATE",
	"N ABIGAIL ABBY",
	"N REBECCA BECKY",
	"N SUSAN SUE SUSIE",
	"N DEBORAH DEBBIE",
	"N VICTORIA VICKY",
	"N ALBERT BERT BERTIE",
	"N KATHERINE CATHERINE KATHRYN KATE KATIE KATHY CATHY",
	"N FRANCISCO PACO PANCHO",
	"N JOSE PEPE",
	"N GIUSEPPE BEPPE PEPPE",
	"N GIOVANNI GIANNI",
	"N KATARZYNA KASIA",
	"N MALGORZATA GOSIA",
	"N WOJCIECH WOJTEK",
};

#define NGROUPS TIMS_ARRAY_SIZE(groups)

struct member {
	uint32_t hash;
	uint16_t group;
	uint16_t len;
	const char *key; /* points into keys_pool */
};

static struct member *slots;
static size_t nslots;
static char *keys_pool;
static const char *labels[NGROUPS + 1];
static const char *spellings[NGROUPS + 1][2];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h;
}

static void insert(const char *key, size_t len, uint16_t g)
{
	uint32_t h = fnv1a(key, len);

	for (size_t i = h & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
		if (!slots[i].key) {
			slots[i] = (struct member){ h, g, (uint16_t)len, key };
			return;
		}
		if (slots[i].hash == h && slots[i].len == len &&
		    slots[i].group == g && !memcmp(slots[i].key, key, len))
			return;
	}
}

/* Fold a native-script member in place as the normaliser folds tokens
 * (أ to ا, ة to ه ...); every fold keeps the UTF-8 length. */
static void fold_native(char *k, size_t len)
{
	int32_t i = 0, n = (int32_t)len;

	while (i < n) {
		int32_t at = i, cp, f;
		UBool bad = false;

		U8_NEXT(k, i, n, cp);
		if (cp < 0x80)
			continue;
		f = tims__abjad_fold(cp);
		if (f != cp && U8_LENGTH(f) == i - at)
			U8_APPEND(k, at, n, f, bad);
		(void)bad;
	}
}

static void init(void)
{
	size_t total = 0, members = 0, off = 0;

	for (size_t g = 0; g < NGROUPS; g++) {
		total += strlen(groups[g]) + 1;
		for (const char *p = groups[g]; *p; p++)
			members += *p == ' ';
	}
	for (nslots = 64; nslots < members * 2; nslots *= 2)
		;
	slots = calloc(nslots, sizeof(*slots));
	keys_pool = malloc(total);
	if (!slots || !keys_pool) {
		free(slots);
		free(keys_pool);
		slots = NULL;
		keys_pool = NULL;
		return;
	}
	for (size_t g = 0; g < NGROUPS; g++) {
		const char *p = groups[g] + 2;
		unsigned nsp = 0;

		while (*p) {
			const char *e = strchr(p, ' ');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			char *k = keys_pool + off;

			memcpy(k, p, len);
			k[len] = '\0';
			fold_native(k, len);
			off += len + 1;
			insert(k, len, (uint16_t)(g + 1));
			if ((unsigned char)k[0] < 0x80) {
				if (!labels[g + 1])
					labels[g + 1] = k;
				if (nsp < 2)
					spellings[g + 1][nsp++] = k;
			}
			p += len;
			while (*p == ' ')
				p++;
		}
	}
}

void tims__equiv_lookup(const char *key, struct tims_name_token *t)
{
	size_t len = strlen(key);
	uint32_t h;

	pthread_once(&once, init);
	if (!slots || len == 0)
		return;
	h = fnv1a(key, len);
	for (size_t i = h & (nslots - 1); slots[i].key; i = (i + 1) & (nslots - 1)) {
		bool have = false;

		if (slots[i].hash != h || slots[i].len != len ||
		    memcmp(slots[i].key, key, len))
			continue;
		for (unsigned k = 0; k < t->ngroup; k++)
			have = have || t->group[k] == slots[i].group;
		if (!have && t->ngroup < TIMS_NAME_MAX_GROUPS)
			t->group[t->ngroup++] = slots[i].group;
	}
}

const char *tims__equiv_spelling(uint16_t group, unsigned i)
{
	pthread_once(&once, init);
	if (group == 0 || group > NGROUPS || i >= 2)
		return NULL;
	return spellings[group][i];
}

const char *tims_name_group_label(uint16_t group, char *kind)
{
	pthread_once(&once, init);
	if (group == 0 || group > NGROUPS)
		return NULL;
	if (kind)
		*kind = groups[group - 1][0];
	return labels[group];
}
