/* SPDX-License-Identifier: MIT */
/*
 * chat_cmd.c: parsing one chat request (already trimmed).
 *
 * "online", "offline", "who" and "ping" are whole-request words; "nick
 * NAME" sets a nick of 1 to 32 characters with no blanks, controls, '#' or
 * ':' (so a nick cannot pose as an address or a prefix). Anything else is
 * text, relayed as bytes if it is UTF-8 without control characters (tab
 * aside; C1 and bidirectional controls included, utf8_text), which keeps
 * escape sequences off other members' terminals and out of the log.
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

static int
is_nick(const char *s, size_t len)
{
	size_t i, chars = 0;

	if (len == 0 || !utf8_text(s, len))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '#' || s[i] == ':')
			return 0;
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	}
	return chars <= CHAT_NICK_MAX;
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
