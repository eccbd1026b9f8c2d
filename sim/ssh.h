#ifndef MAILSIM_SSH_H
#define MAILSIM_SSH_H
#endif
