/*
 * virtio_blk.c - a virtio block device over the virtio-mmio transport,
 * version 2 ("modern"), as described in the virtio 1.x specification.
 *
 * One virtqueue of 8 descriptors; each request is a chain of three:
 * a header (read or write, which sector), 512 bytes of data, and a status
 * byte the device fills in. The kernel waits for the device by polling
 * the used ring, which is simple and fine for a few sectors at boot and
 * shutdown.
 */
#include "kernel.h"

/* virtio-mmio registers (byte offsets) */
#define MMIO_MAGIC_VALUE        0x000   /* "virt" */
#define MMIO_VERSION            0x004   /* 2 = modern, 1 = legacy */
#define MMIO_DEVICE_ID          0x008   /* 2 = block device, 0 = empty slot */
#define MMIO_DEVICE_FEATURES    0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES    0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL          0x030
#define MMIO_QUEUE_NUM_MAX      0x034
#define MMIO_QUEUE_NUM          0x038
#define MMIO_QUEUE_READY        0x044
#define MMIO_QUEUE_NOTIFY       0x050
#define MMIO_INTERRUPT_STATUS   0x060
#define MMIO_INTERRUPT_ACK      0x064
#define MMIO_STATUS             0x070
#define MMIO_QUEUE_DESC_LOW     0x080
#define MMIO_QUEUE_DESC_HIGH    0x084
#define MMIO_QUEUE_DRIVER_LOW   0x090   /* the available ring */
#define MMIO_QUEUE_DRIVER_HIGH  0x094
#define MMIO_QUEUE_DEVICE_LOW   0x0a0   /* the used ring */
#define MMIO_QUEUE_DEVICE_HIGH  0x0a4
#define MMIO_CONFIG             0x100   /* virtio-blk: capacity in sectors (u64) */

#define VIRTIO_MAGIC            0x74726976
#define VIRTIO_ID_BLOCK         2

/* device status bits */
#define STATUS_ACKNOWLEDGE      1
#define STATUS_DRIVER           2
#define STATUS_DRIVER_OK        4
#define STATUS_FEATURES_OK      8

#define VIRTIO_F_VERSION_1      32      /* feature bit: a modern device */

#define QUEUE_SIZE 8

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIRTQ_DESC_F_NEXT   1
#define VIRTQ_DESC_F_WRITE  2           /* the device writes this buffer */

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QUEUE_SIZE];
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[QUEUE_SIZE];
};

struct virtio_blk_req {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
#define VIRTIO_BLK_T_IN     0           /* read */
#define VIRTIO_BLK_T_OUT    1           /* write */

/* The queue lives in kernel memory; the device reads and writes it by DMA. */
static struct {
    struct virtq_desc desc[QUEUE_SIZE];
    struct virtq_avail avail;
    struct virtq_used used __attribute__((aligned(4)));
    struct virtio_blk_req req;
    volatile uint8_t status;
} queue __attribute__((aligned(4096)));

static uint64_t base;                   /* 0: no disk */
static uint16_t used_seen;              /* used.idx we have consumed up to */

static volatile uint32_t *reg(uint32_t offset)
{
    return (volatile uint32_t *)(base + offset);
}

static void set_address(uint32_t low_reg, void *p)
{
    *reg(low_reg) = (uint32_t)(uint64_t)p;
    *reg(low_reg + 4) = (uint32_t)((uint64_t)p >> 32);
}

/* Find a block device in the 8 virtio-mmio slots and start it. 1: found. */
int disk_init(void)
{
    for (int k = 0; k < VIRTIO_MMIO_SLOTS; k++) {
        uint64_t slot = VIRTIO_MMIO_BASE + 0x1000UL * k;
        volatile uint32_t *r = (volatile uint32_t *)slot;
        if (r[MMIO_MAGIC_VALUE / 4] != VIRTIO_MAGIC ||
            r[MMIO_DEVICE_ID / 4] != VIRTIO_ID_BLOCK)
            continue;
        if (r[MMIO_VERSION / 4] != 2) {
            kprintf("[kernel] virtio-blk at %lx is a legacy device; on QEMU add "
                    "-global virtio-mmio.force-legacy=false\n", slot);
            continue;
        }
        base = slot;
        break;
    }
    if (base == 0)
        return 0;

    /* The initialisation sequence of the virtio spec, section 3.1.1. */
    *reg(MMIO_STATUS) = 0;                                      /* reset */
    *reg(MMIO_STATUS) = STATUS_ACKNOWLEDGE;
    *reg(MMIO_STATUS) = STATUS_ACKNOWLEDGE | STATUS_DRIVER;

    *reg(MMIO_DEVICE_FEATURES_SEL) = 1;                         /* bits 32..63 */
    if (!(*reg(MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32))))
        panic("virtio-blk does not offer VIRTIO_F_VERSION_1");
    *reg(MMIO_DRIVER_FEATURES_SEL) = 1;
    *reg(MMIO_DRIVER_FEATURES) = 1u << (VIRTIO_F_VERSION_1 - 32);
    *reg(MMIO_DRIVER_FEATURES_SEL) = 0;
    *reg(MMIO_DRIVER_FEATURES) = 0;                             /* nothing else */
    *reg(MMIO_STATUS) = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK;
    if (!(*reg(MMIO_STATUS) & STATUS_FEATURES_OK))
        panic("virtio-blk refused our features");

    *reg(MMIO_QUEUE_SEL) = 0;
    if (*reg(MMIO_QUEUE_NUM_MAX) < QUEUE_SIZE)
        panic("virtio-blk queue too small");
    *reg(MMIO_QUEUE_NUM) = QUEUE_SIZE;
    set_address(MMIO_QUEUE_DESC_LOW, queue.desc);
    set_address(MMIO_QUEUE_DRIVER_LOW, &queue.avail);
    set_address(MMIO_QUEUE_DEVICE_LOW, &queue.used);
    *reg(MMIO_QUEUE_READY) = 1;

    *reg(MMIO_STATUS) = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK |
                        STATUS_DRIVER_OK;

    uint64_t sectors = *(volatile uint64_t *)(base + MMIO_CONFIG);
    kprintf("[kernel] virtio-blk at %lx: %lu sectors\n", base, sectors);
    return 1;
}

/* Read (write = 0) or write one 512-byte sector. Returns 0 on success. */
int disk_rw(uint64_t sector, void *buf, int write)
{
    queue.req.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
    queue.req.reserved = 0;
    queue.req.sector = sector;
    queue.status = 0xff;

    queue.desc[0] = (struct virtq_desc){ (uint64_t)&queue.req, sizeof queue.req,
                                         VIRTQ_DESC_F_NEXT, 1 };
    queue.desc[1] = (struct virtq_desc){ (uint64_t)buf, 512,
                                         VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE), 2 };
    queue.desc[2] = (struct virtq_desc){ (uint64_t)&queue.status, 1,
                                         VIRTQ_DESC_F_WRITE, 0 };

    /* Offer the chain starting at descriptor 0, then tell the device. */
    queue.avail.ring[queue.avail.idx % QUEUE_SIZE] = 0;
    __sync_synchronize();               /* descriptors before the index */
    queue.avail.idx++;
    __sync_synchronize();
    *reg(MMIO_QUEUE_NOTIFY) = 0;

    /* Wait until the device puts the chain in the used ring. */
    while (*(volatile uint16_t *)&queue.used.idx == used_seen)
        ;
    __sync_synchronize();
    used_seen++;
    *reg(MMIO_INTERRUPT_ACK) = *reg(MMIO_INTERRUPT_STATUS);

    return queue.status;
}
