/* export_pcap: writes a trace as a classic libpcap file that Wireshark and tshark open as real
 * Ethernet/IPv4/TCP traffic: every simulated connection becomes one TCP connection with a
 * three-way handshake, segments cut at the MSS, ACKs, and FIN close, at the trace's times. */
#ifndef MAILSIM_EXPORT_PCAP_H
#define MAILSIM_EXPORT_PCAP_H

#include "trace.h"

#include <stddef.h>
#include <stdio.h>

/* Virtual time 0 is shown as 2026-01-01T00:00:00Z, so captures get sane, stable dates. */
#define EXPORT_PCAP_EPOCH 1767225600u

/* 1460 = 1500 (Ethernet MTU) - 20 (IPv4 header) - 20 (TCP header). */
#define EXPORT_PCAP_MSS 1460u

#define EXPORT_PCAP_SNAPLEN 65535u
#define EXPORT_PCAP_LINKTYPE_ETHERNET 1u

/* Writes tr to out as a pcap file (magic 0xa1b2c3d4 written little-endian, version 2.4,
 * snaplen 65535, link type 1 Ethernet, microsecond timestamps EXPORT_PCAP_EPOCH + t).
 *
 * What the file shows, per connection of the trace:
 *  - SYN at t_open, SYN|ACK at t_open + latency, ACK at t_open + 2 * latency (MSS option
 *    1460; a window scale option only when a burst of data would not fit in 65535 bytes);
 *  - each TRACE_DATA event as segments of at most 1460 bytes at the event's time (never
 *    before the side's handshake is done), PSH on the last one; the receiver ACKs the bytes
 *    when they arrive (time + latency), or piggy-backs the ACK on data it sends then;
 *  - each side's first TRACE_CLOSE as FIN|ACK, acknowledged by the peer on arrival; a side
 *    that never closes is left open (no RST);
 *  - a refused connection (a server close flagged TRACE_REFUSED) as SYN at t_open, then
 *    RST|ACK at the time of that close; its other events are ignored.
 * Addresses and ports come from the connection table; MAC addresses are 02:00:00:00:hh:ll
 * with hhll the host index; IPv4 has TTL 64, DF, and IDs 1, 2, 3 ... per sending host; the
 * TCP window is 65535; initial sequence numbers are a hash of the connection id. The
 * output depends only on the trace, so the same trace gives the same bytes.
 *
 * Returns 0, or -1 with a message in err (errlen bytes; err may be NULL when errlen is 0):
 * out of memory, a trace that no TCP could carry (data after that side's FIN, an unknown
 * connection or host, port 0, a time past 2106), or a write error. Everything is checked
 * before the first byte is written, so apart from a write error nothing partial reaches
 * out. out stays open and owned by the caller; it is flushed. */
int export_pcap(const struct trace *tr, FILE *out, char *err, size_t errlen);

#endif
