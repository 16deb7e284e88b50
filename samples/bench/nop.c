/* nop.c - powers off at once: measures QEMU start-up and shut-down time. */
int main(void)
{
    return 0;
}
