/* SPDX-License-Identifier: MIT */
/*
 * chat_cmd.c: parsing one chat request (already trimmed).
 *
 * "online", "offline", "who" and "ping" are whole-request words; "nick
 * NAME" sets a nick of 1 to 32 characters with no blanks (Unicode's
 * included), controls, invisible characters, '#' or ':', that is no
 * command word and not digits and dots (so a nick cannot pose as an
 * address, a prefix or a command). Anything else is text, relayed as
 * bytes if it is UTF-8 without control or invisible characters (tab
 * aside; C1, bidirectional and format characters included, utf8_text),
 * which keeps escape sequences off other members' terminals and out of
 * the log, and a speaker from hiding behind zero-width characters.
 */
#include <string.h>

#include "chat_cmd.h"
#include "chat_members.h"
#include "utf8.h"

static int
is_word(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* The words a request may be: no nick may be one of them, in any case. */
static const char *const chat_words[] = {
	"online", "offline", "who", "ping", "nick", NULL
};

/* Whether s is one of chat_words, ASCII case ignored. */
static int
is_command_word(const char *s, size_t len)
{
	size_t w, i;

	for (w = 0; chat_words[w] != NULL; w++) {
		if (len != strlen(chat_words[w]))
			continue;
		for (i = 0; i < len &&
		    chat_ascii_lower(s[i]) == chat_words[w][i]; i++)
			;
		if (i == len)
			return 1;
	}
	return 0;
}

/* Whether s, digits and dots with a dot, reads like an IPv4 address. */
static int
is_address_like(const char *s, size_t len)
{
	size_t i;
	int dot = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '.')
			dot = 1;
		else if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return dot;
}

/*
 * A nick is text (utf8_text) of 1 to CHAT_NICK_MAX characters without
 * blanks of any kind, '#', ':', or the ZWJ and VS16 text allows in emoji,
 * and is neither a command word nor shaped like an address.
 */
static int
is_nick(const char *s, size_t len)
{
	size_t i = 0, n, chars = 0;
	uint32_t cp;

	if (len == 0 || !utf8_text(s, len) || is_command_word(s, len) ||
	    is_address_like(s, len))
		return 0;
	while (i < len) {
		n = utf8_next(s + i, len - i, &cp);
		if (utf8_is_blank(cp) || cp == '#' || cp == ':' ||
		    cp == 0x200d || cp == 0xfe0f)
			return 0;
		chars++;
		i += n;
	}
	return chars <= CHAT_NICK_MAX;
}

/* c in lower case if an ASCII letter: nicks differ by more than case. */
char
chat_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Classifies the request s; for CHAT_NICK and CHAT_TEXT, *arg and *arglen
 * are the nick or the text.
 */
enum chat_cmd
chat_cmd_parse(const char *s, size_t len, const char **arg, size_t *arglen)
{
	*arg = s;
	*arglen = len;
	if (len == 0)
		return CHAT_EMPTY;
	if (is_word(s, len, "online"))
		return CHAT_ONLINE;
	if (is_word(s, len, "offline"))
		return CHAT_OFFLINE;
	if (is_word(s, len, "who"))
		return CHAT_WHO;
	if (is_word(s, len, "ping"))
		return CHAT_PING;
	if (len >= 5 && memcmp(s, "nick ", 5) == 0) {
		*arg = s + 5;
		*arglen = len - 5;
		return is_nick(*arg, *arglen) ? CHAT_NICK : CHAT_BAD_NICK;
	}
	return utf8_text(s, len) ? CHAT_TEXT : CHAT_BAD_TEXT;
}
