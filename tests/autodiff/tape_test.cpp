#define BOOST_TEST_MODULE tape
#include <boost/test/unit_test.hpp>
BOOST_AUTO_TEST_CASE(x) { BOOST_TEST(1 == 1); }
