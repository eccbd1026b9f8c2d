/* ssh: being written */
#include "ssh.h"
