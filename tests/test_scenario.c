/* test_scenario: placeholder */
#include "harness.h"
#include "scenario.h"
int main(void)
{
    struct harness h = {"test_scenario", 0, 0};
    return harness_finish(&h);
}
