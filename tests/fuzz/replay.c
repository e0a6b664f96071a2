/*
 * Runs a libFuzzer driver over files (its seed corpus) without libFuzzer,
 * so every build, the sanitizer build included, replays the corpus.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX (1024 * 1024)

static int
replay_file(const char *path)
{
	unsigned char *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	buf = malloc(REPLAY_MAX);
	n = fread(buf, 1, REPLAY_MAX, f);
	fclose(f);
	/* a copy of exactly n bytes, so ASan sees reads past the input */
	{
		unsigned char *exact = malloc(n > 0 ? n : 1);
		memcpy(exact, buf, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	free(buf);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct dirent *de;
	char path[4096];
	DIR *d;
	int i, count = 0;

	for (i = 1; i < argc; i++) {
		if ((d = opendir(argv[i])) == NULL) {
			if (replay_file(argv[i]) == -1)
				return 1;
			count++;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(
			    path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (replay_file(path) == -1) {
				closedir(d);
				return 1;
			}
			count++;
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", count);
	return count > 0 ? 0 : 1;
}
