// SPDX-License-Identifier: GPL-2.0
/*
 * An 8250 UART on COM1: transmitted bytes go to stdout unchanged (one write each, so the guest's
 * output interleaves with mirrorvm's own messages in order); stdin feeds the receiver when it is
 * a terminal or a pipe (unless --console virtio takes it). The transmitter is always empty, so
 * the THR-empty interrupt is level.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "guest_abi.h"
#include "serial.h"
#include "../vmm/cli/vm_config.h"

#define UART_RX_SIZE 256

#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_IIR_NONE 0x01
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_FIFO 0xc0
#define UART_LCR_DLAB 0x80
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_MSR_DCD_DSR_CTS 0xb0

struct serial {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thri_pending; /* THR became empty since IIR last said so */
	uint8_t rx[UART_RX_SIZE];
	unsigned int rx_head, rx_len;
	int irq_level;
};

static uint8_t serial_iir(struct serial *s)
{
	uint8_t fifo = (s->fcr & 1) ? UART_IIR_FIFO : 0;

	if ((s->ier & UART_IER_RDI) && s->rx_len)
		return UART_IIR_RDI | fifo;
	if ((s->ier & UART_IER_THRI) && s->thri_pending)
		return UART_IIR_THRI | fifo;
	return UART_IIR_NONE | fifo;
}

static void serial_update_irq(struct serial *s)
{
	int level = !(serial_iir(s) & UART_IIR_NONE);

	if (level != s->irq_level) {
		s->irq_level = level;
		vm_irq_line(s->vm, GUEST_COM1_IRQ, level);
	}
}

static void serial_tx(struct serial *s, uint8_t c)
{
	ssize_t n;

	do
		n = write(STDOUT_FILENO, &c, 1);
	while (n < 0 && errno == EINTR);
	s->thri_pending = true;
}

static void serial_write(struct serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case 0:
		if (dlab)
			s->dll = v;
		else
			serial_tx(s, v);
		break;
	case 1:
		if (dlab) {
			s->dlm = v;
		} else {
			if (!(s->ier & UART_IER_THRI) && (v & UART_IER_THRI))
				s->thri_pending = true;
			s->ier = v & 0x0f;
		}
		break;
	case 2:
		s->fcr = v;
		if (v & 2)
			s->rx_len = 0;
		break;
	case 3:
		s->lcr = v;
		break;
	case 4:
		s->mcr = v;
		break;
	case 7:
		s->scr = v;
		break;
	}
}

static uint8_t serial_read(struct serial *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t v = 0, iir;

	switch (reg) {
	case 0:
		if (dlab)
			return s->dll;
		if (s->rx_len) {
			v = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % UART_RX_SIZE;
			s->rx_len--;
		}
		return v;
	case 1:
		return dlab ? s->dlm : s->ier;
	case 2:
		iir = serial_iir(s);
		if ((iir & 0x0f) == UART_IIR_THRI)
			s->thri_pending = false;
		return iir;
	case 3:
		return s->lcr;
	case 4:
		return s->mcr;
	case 5:
		return UART_LSR_THRE | UART_LSR_TEMT | (s->rx_len ? UART_LSR_DR : 0);
	case 6:
		return UART_MSR_DCD_DSR_CTS;
	default:
		return s->scr;
	}
}

static void serial_pio(void *opaque, uint16_t port, bool write, uint8_t *data, unsigned int len)
{
	struct serial *s = opaque;
	unsigned int reg = port - GUEST_COM1_PORT;

	pthread_mutex_lock(&s->lock);
	if (write)
		serial_write(s, reg, data[0]);
	else
		data[0] = serial_read(s, reg);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_input(void *opaque, int fd)
{
	struct serial *s = opaque;
	uint8_t buf[64];
	ssize_t n = vm_loop_read(s->vm, fd, buf, sizeof(buf));

	if (!n)
		return;
	pthread_mutex_lock(&s->lock);
	for (ssize_t i = 0; i < n && s->rx_len < UART_RX_SIZE; i++)
		s->rx[(s->rx_head + s->rx_len++) % UART_RX_SIZE] = buf[i];
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

bool serial_stdin_useful(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return true;
	return !fstat(STDIN_FILENO, &st) && S_ISFIFO(st.st_mode);
}

static int serial_create(struct vm *vm, const struct vm_config *cfg)
{
	struct serial *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->vm = vm;
	pthread_mutex_init(&s->lock, NULL);
	ret = vm_pio_register(vm, GUEST_COM1_PORT, 8, serial_pio, s);
	if (!ret)
		ret = vm_ioport_describe(vm, "serial", "ns16550a", GUEST_COM1_PORT, 8);
	/* With --console virtio, stdin belongs to hvc0. */
	if (!ret && !cfg->virtio_console && serial_stdin_useful())
		ret = vm_loop_watch(vm, STDIN_FILENO, serial_input, s);
	/* On failure the VM is torn down and the process exits; s lives as long as the VM. */
	return ret;
}

static const struct device_type serial_type = {
	.name = "serial",
	.create = serial_create,
};
DEVICE_TYPE(serial_type);
